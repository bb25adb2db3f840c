namespace Candor.Core.Audit;

/// <summary>Where quarantines outlive the process (the data directory's database). Quarantines change rarely (an
/// audit fails, an operator lifts one), so every change is written through; nothing here is on the request path.</summary>
internal interface IQuarantineStore
{
    /// <summary>Every stored quarantine.</summary>
    Task<IReadOnlyList<QuarantineEntry>> ListQuarantinesAsync(CancellationToken cancellationToken);

    /// <summary>Stores a quarantine; returns false when the channel already had one (the first stays).</summary>
    Task<bool> AddQuarantineAsync(QuarantineEntry entry, CancellationToken cancellationToken);

    /// <summary>Removes a channel's quarantine; returns false when it had none.</summary>
    Task<bool> RemoveQuarantineAsync(string channelId, CancellationToken cancellationToken);
}
