namespace Candor.Core.Accounts.Redemptions;

/// <summary>The brute-force limit a redemption is checked and counted against inside its own transaction
/// (<see cref="RedeemThrottle"/>): each of <paramref name="Counters"/> (attempt counters, <c>console_attempts</c>)
/// allows <paramref name="Bound"/> unknown codes per <paramref name="Window"/>.</summary>
internal sealed record RedemptionLimits(IReadOnlyList<string> Counters, int Bound, TimeSpan Window, DateTimeOffset Now);
