namespace Candor.Core.Audit;

/// <summary>One audited channel: the model it claims to serve and the trusted channel that serves the reference.</summary>
internal sealed class AuditTarget
{
    /// <summary>The audited channel's id.</summary>
    public required string ChannelId { get; init; }

    /// <summary>The upstream model name the channel is asked for (the claimed model).</summary>
    public required string Model { get; init; }

    /// <summary>The trusted channel whose answers for <see cref="ReferenceModel"/> form the reference profile.</summary>
    public required string ReferenceChannelId { get; init; }

    /// <summary>The model name on the reference channel (default: <see cref="Model"/>).</summary>
    public required string ReferenceModel { get; init; }

    /// <summary>Repeats of the probe set per round for this target (<c>repeats</c>), overriding <see cref="AuditSettings.Repeats"/>.</summary>
    public int? Repeats { get; init; }
}
