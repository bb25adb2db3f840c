namespace Candor.Server.Hosting;

/// <summary>Log messages of a node on a shared store (lease, recovery of other nodes' admissions, change notifications),
/// event ids 3260–3279. Ids, counts and exception type names only.</summary>
internal static partial class ClusterLog
{
    [LoggerMessage(3260, LogLevel.Information, "Node {NodeId} joined the installation (lease renewed every {RenewalSeconds} s)")]
    public static partial void NodeJoined(this ILogger logger, string nodeId, int renewalSeconds);

    [LoggerMessage(3261, LogLevel.Warning, "Recovered {Count} admission(s) of nodes whose lease expired: recorded as 'interrupted', their reservations released")]
    public static partial void DeadNodesRecovered(this ILogger logger, int count);

    [LoggerMessage(3262, LogLevel.Information, "Recovered {Count} request(s) of this node whose settlement had failed: recorded as 'interrupted', their reservations released")]
    public static partial void AbandonedRecovered(this ILogger logger, int count);

    [LoggerMessage(3263, LogLevel.Warning, "Node lease renewal or recovery failed ({Error}); retried in {RenewalSeconds} s")]
    public static partial void NodeMaintenanceFailed(this ILogger logger, string error, int renewalSeconds);

    [LoggerMessage(3264, LogLevel.Information, "Listening for changes on PostgreSQL (channel {Channel}); polling is the fallback")]
    public static partial void ChangesListening(this ILogger logger, string channel);

    [LoggerMessage(3265, LogLevel.Warning, "The change listener lost PostgreSQL ({Error}); polling every second until it reconnects")]
    public static partial void ChangesListenerLost(this ILogger logger, string error);

    [LoggerMessage(3266, LogLevel.Warning, "Applying a change notification ({Topic}) failed ({Error}); the next poll or notification retries")]
    public static partial void ChangeApplyFailed(this ILogger logger, string topic, string error);
}
