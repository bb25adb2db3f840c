namespace Candor.Storage.Sqlite;

/// <summary>Every statement on <c>cluster_nodes</c>: one row per running server on a shared database, renewed by its
/// node every few seconds (<see cref="RelationalStore.NodeLease"/>). A node whose row is older than the lease is dead:
/// another node recovers its admissions (docs/scale-out.md, "A node dies").</summary>
internal static class NodesSql
{
    /// <summary>Renews this process's lease, or writes it again when another node removed it (it thought this one dead);
    /// changes nothing when the row belongs to another process (<c>instance</c>): then this process lost its id.</summary>
    public const string Renew = """
        INSERT INTO cluster_nodes (node_id, started_at, seen_at, instance) VALUES (@node_id, @now, @now, @instance)
        ON CONFLICT (node_id) DO UPDATE SET seen_at = excluded.seen_at WHERE cluster_nodes.instance = excluded.instance
        """;

    /// <summary>Claims a node id for this process: free, expired (older than <c>@cutoff</c>), or held by the process that
    /// last ran from this data directory (<c>@previous</c>, which the directory's lock shows is dead). One row changed when
    /// claimed; none when another live process holds it.</summary>
    public const string Claim = """
        INSERT INTO cluster_nodes (node_id, started_at, seen_at, instance) VALUES (@node_id, @now, @now, @instance)
        ON CONFLICT (node_id) DO UPDATE SET started_at = excluded.started_at, seen_at = excluded.seen_at, instance = excluded.instance
        WHERE cluster_nodes.seen_at < @cutoff OR cluster_nodes.instance = @previous
        """;

    public const string Delete = "DELETE FROM cluster_nodes WHERE node_id = @node_id AND instance = @instance";

    public const string DeleteExpired = "DELETE FROM cluster_nodes WHERE seen_at < @cutoff";
}
