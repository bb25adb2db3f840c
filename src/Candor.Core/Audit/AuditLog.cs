using Microsoft.Extensions.Logging;

namespace Candor.Core.Audit;

/// <summary>The audit's log messages (event ids 1600–1699, 3240–3259 for the stored evidence, 3440–3459 for the private probe bank). They name channels, tests and figures, never a
/// probe's prompt or answer.</summary>
internal static partial class AuditLog
{
    [LoggerMessage(1600, LogLevel.Warning, "Audit: channel {Channel} quarantined after the {Test} test failed twice in a row (statistic {Statistic}, threshold {Threshold}, p {PValue}, {Probes} probes)")]
    public static partial void Quarantined(this ILogger logger, string channel, string test, double statistic, double threshold, double pValue, int probes);

    [LoggerMessage(1601, LogLevel.Information, "Audit: channel {Channel} is suspect on the {Test} test (p {PValue}); a confirmation round follows")]
    public static partial void Suspect(this ILogger logger, string channel, string test, double pValue);

    [LoggerMessage(1602, LogLevel.Warning, "Audit: round for channel {Channel} inconclusive: {Answered} of {Sent} probes and {ReferenceAnswered} reference probes answered")]
    public static partial void Inconclusive(this ILogger logger, string channel, int answered, int sent, int referenceAnswered);

    [LoggerMessage(1603, LogLevel.Error, "Audit: a verdict for channel {Channel} could not be appended to the transparency log: {Error}")]
    public static partial void LogAppendFailed(this ILogger logger, string channel, string error);

    [LoggerMessage(1604, LogLevel.Error, "Audit: the round for channel {Channel} failed: {Error}")]
    public static partial void RoundFailed(this ILogger logger, string channel, string error);

    [LoggerMessage(1605, LogLevel.Warning, "Audit: quarantine of channel {Channel} lifted by an operator")]
    public static partial void Released(this ILogger logger, string channel);

    [LoggerMessage(1606, LogLevel.Error, "Audit: the quarantine of channel {Channel} could not be stored ({Error}); it holds until this process stops")]
    public static partial void QuarantineStoreFailed(this ILogger logger, string channel, string error);

    [LoggerMessage(3240, LogLevel.Error, "Audit: the evidence of channel {Channel} could not be read or stored ({Error}); it holds in memory until this process stops")]
    public static partial void EvidenceStoreFailed(this ILogger logger, string channel, string error);

    [LoggerMessage(3440, LogLevel.Warning, "Audit: the private probe bank holds {Held} of the {Needed} prompts a round of channel {Channel} needs; the rest are drawn from the public grammar, which an upstream that knows Candor's source can recognise")]
    public static partial void ProbeBankShort(this ILogger logger, string channel, int held, int needed);
}
