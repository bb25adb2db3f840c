namespace Candor.Core.Audit;

/// <summary>Why and since when a channel is kept out of routing.</summary>
/// <param name="ChannelId">The channel.</param>
/// <param name="Reason">A sentence for admins: the test, its statistic and threshold. Never user content.</param>
/// <param name="Test">The failing test.</param>
/// <param name="Since">When the channel was quarantined.</param>
internal sealed record QuarantineEntry(string ChannelId, string Reason, string Test, DateTimeOffset Since);
