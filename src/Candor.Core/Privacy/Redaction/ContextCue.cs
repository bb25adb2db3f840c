namespace Candor.Core.Privacy.Redaction;

/// <summary>What the words before a candidate say about it (<see cref="EntityContext"/>).</summary>
internal enum ContextCue : byte
{
    /// <summary>No cue either way.</summary>
    None,

    /// <summary>A word that names the entity type ("卡号", "card").</summary>
    Confirms,

    /// <summary>A word that names something else ("订单号", "order no").</summary>
    Denies,
}
