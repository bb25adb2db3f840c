namespace Candor.Core.Accounting;

/// <summary>One line of a charge: quantity × unit price, kept exact.</summary>
/// <param name="Kind">What is charged.</param>
/// <param name="Quantity">Tokens (or 1 request for <see cref="ChargeKind.PerRequest"/>).</param>
/// <param name="UnitPrice">Micros per million tokens (micros per request for <see cref="ChargeKind.PerRequest"/>).</param>
/// <param name="ExactMicroMicros">The line's exact amount before the multiplier, in millionths of a micro
/// (quantity × unit price, or fee × 1,000,000 for the per-request line). Lines are not rounded one by one.</param>
internal sealed record ChargeLine(ChargeKind Kind, long Quantity, long UnitPrice, Int128 ExactMicroMicros);
