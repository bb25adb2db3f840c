namespace Candor.Core.Configuration;

/// <summary>The <c>cluster</c> section: what the nodes of one Candor installation share beyond the store
/// (docs/scale-out.md). Absent: one node, every limit counted in this process.</summary>
internal sealed record ClusterSettings
{
    /// <summary>The Redis server every node counts rate limits in (<c>cluster.redis</c>: <c>host:port</c>, or
    /// StackExchange.Redis options such as <c>host:port,ssl=true</c>); the password comes from
    /// <c>CANDOR_REDIS_PASSWORD</c>, never the file. Null: limits per node.</summary>
    public string? Redis { get; init; }

    /// <summary>How many nodes share the limits (<c>cluster.nodes</c>, default 1): while Redis is unreachable each node
    /// allows a key this share of its limits, so that all of them together never exceed it.</summary>
    public int Nodes { get; init; } = 1;

    /// <summary>Whether this node keeps a transparency log of its own in its data directory (<c>cluster.log: local</c>)
    /// rather than the platform's one log in the database (<c>shared</c>, the default on PostgreSQL; SQLite always has a
    /// local log). docs/transparency.md, "One log for several nodes".</summary>
    public bool LocalLog { get; init; }
}
