namespace Candor.Core.WebConsole;

/// <summary>What a verified sign-up (or an accepted invitation naming no account) opens: an account for the principal,
/// who owns it, in <see cref="Group"/>, with <see cref="GrantMicros"/> of credit (0 = none).</summary>
internal sealed record AccountOpening(string Principal, string Group, long GrantMicros, DateTimeOffset Now);
