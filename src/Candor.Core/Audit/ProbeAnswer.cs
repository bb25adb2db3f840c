namespace Candor.Core.Audit;

/// <summary>One answer to a probe, reduced to what the audit tests read. The text is kept in memory only for
/// the round that tests it; it never reaches a log, a metric or the disk.</summary>
/// <param name="Stratum">The probe's index in the probe set: answers are compared only within a stratum.</param>
/// <param name="Text">The answer's text.</param>
/// <param name="OwnTokens">Candor's own count of the answer's output tokens.</param>
/// <param name="ReportedTokens">The output tokens the upstream reported, or null when it reported none.</param>
/// <param name="ReportedModel">The model the upstream named in its answer, or null.</param>
/// <param name="HitLimit">True when the upstream said it stopped at the max-tokens limit.</param>
internal sealed record ProbeAnswer(int Stratum, string Text, int OwnTokens, int? ReportedTokens, string? ReportedModel, bool HitLimit);
