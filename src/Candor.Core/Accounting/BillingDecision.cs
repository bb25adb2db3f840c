using Candor.Protocols.Canonical;

namespace Candor.Core.Accounting;

/// <summary>What is billed for one request and why (see <see cref="BillingPolicy"/> and docs/billing.md).</summary>
internal sealed record BillingDecision
{
    /// <summary>The figures to price with <see cref="CostCalculator.Compute"/>, every field set (zero when free).
    /// Canonical convention: input includes cached and cache-write tokens, output includes reasoning.</summary>
    public required Usage Billed { get; init; }

    /// <summary>The rule that decided.</summary>
    public required BillingBasis Basis { get; init; }

    /// <summary>Where the billed input figure comes from.</summary>
    public required FigureSource InputSource { get; init; }

    /// <summary>Where the billed output figure comes from.</summary>
    public required FigureSource OutputSource { get; init; }

    /// <summary>Reported against own input, when both exist.</summary>
    public TokenDiscrepancy? InputDiscrepancy { get; init; }

    /// <summary>Reported against own output, when both exist and the request completed (an early end's
    /// figures are lower bounds and are not compared).</summary>
    public TokenDiscrepancy? OutputDiscrepancy { get; init; }

    /// <summary>True when the <c>lesser_of_reported_and_counted</c> policy billed a counted figure below the reported one
    /// (the receipt carries the <c>billed_lesser</c> flag).</summary>
    public bool BilledLesser { get; init; }

    /// <summary>Whether nothing is charged.</summary>
    public bool IsFree => Basis == BillingBasis.NothingGenerated;

    /// <summary>Whether either discrepancy exceeds the tolerance (worth an alert, never a change to the bill).</summary>
    public bool ExceedsTolerance => InputDiscrepancy?.ExceedsTolerance == true || OutputDiscrepancy?.ExceedsTolerance == true;
}
