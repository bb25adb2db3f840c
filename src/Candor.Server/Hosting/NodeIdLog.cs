namespace Candor.Server.Hosting;

/// <summary>Log messages of a node's persistent id (docs/scale-out.md, "Node ids"), event ids 3360–3379. Ids and counts only.</summary>
internal static partial class NodeIdLog
{
    [LoggerMessage(3360, LogLevel.Information, "Node {NodeId} took its id back from its previous run: {Count} admission(s) of that run recovered at once")]
    public static partial void PreviousRunRecovered(this ILogger logger, string nodeId, int count);

    [LoggerMessage(3361, LogLevel.Warning, "Node id {TakenId} of this data directory is held by another live process (a copied data directory?); this node runs as {NodeId}, now the directory's id")]
    public static partial void NodeIdLiveElsewhere(this ILogger logger, string takenId, string nodeId);

    [LoggerMessage(3362, LogLevel.Warning, "Another running process holds this data directory's node id; this process runs as a new node {NodeId} (its admissions are recovered by the others once it is gone)")]
    public static partial void NodeIdHeldByAnotherProcess(this ILogger logger, string nodeId);

    [LoggerMessage(3363, LogLevel.Error, "The lease of node {NodeId} is held by another process: this process no longer renews it; stop one of the two (they share a data directory's id)")]
    public static partial void NodeIdTaken(this ILogger logger, string nodeId);
}
