namespace Candor.Core.Payments;

/// <summary>What asking for a refund gave: the provider's refund id, or why it failed.</summary>
internal sealed record RefundResult(string? RefundId, string? Error);
