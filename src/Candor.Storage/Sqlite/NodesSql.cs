namespace Candor.Storage.Sqlite;

/// <summary>Every statement on <c>cluster_nodes</c>: one row per running server on a shared database, renewed by its
/// node every few seconds (<see cref="RelationalStore.NodeLease"/>). A node whose row is older than the lease is dead:
/// another node recovers its admissions (docs/scale-out.md, "A node dies").</summary>
internal static class NodesSql
{
    public const string Renew = """
        INSERT INTO cluster_nodes (node_id, started_at, seen_at) VALUES (@node_id, @now, @now)
        ON CONFLICT (node_id) DO UPDATE SET seen_at = excluded.seen_at
        """;

    public const string Delete = "DELETE FROM cluster_nodes WHERE node_id = @node_id";

    public const string DeleteExpired = "DELETE FROM cluster_nodes WHERE seen_at < @cutoff";
}
