namespace Candor.Core.Accounting;

/// <summary>Which figure a completed request is billed for when the upstream's report and Candor's own count disagree
/// beyond the family's tolerance (<c>metering.policy</c>; docs/billing.md).</summary>
internal enum BillingFigures
{
    /// <summary><c>reported</c> (default): the upstream's figure, as always; the discrepancy is only flagged.</summary>
    Reported,

    /// <summary><c>lesser_of_reported_and_counted</c>: the lesser of the two, so an upstream that over-reports cannot
    /// bill the client for it; the receipt carries <c>billed_lesser</c>.</summary>
    LesserOfReportedAndCounted,
}
