using System.Data.Common;
using Candor.Storage.Sqlite;

namespace Candor.Storage;

/// <summary>What every node must see at once: each kind of change bumps its counter (<see cref="CountersSql"/>) in the
/// change's own transaction. Nodes poll the counters (the fallback); on PostgreSQL an update of a counter is also a
/// notification every node listens for (<see cref="PostgresStore.ListenAsync"/>; docs/scale-out.md, "Changes").</summary>
internal abstract partial class RelationalStore
{
    /// <summary>The counters whose change a node applies, by what it reloads: keys, prices, channels (and deployments),
    /// privacy policies, quarantines.</summary>
    public static IReadOnlyList<string> ChangeTopics { get; } =
        [CountersSql.KeysVersion, CountersSql.PricesVersion, ChannelsSql.Version, CountersSql.PrivacyVersion, CountersSql.QuarantinesVersion];

    /// <summary>The topic of key changes (creation, revocation, limits, an account disabled or regrouped).</summary>
    public static string KeysTopic => CountersSql.KeysVersion;

    /// <summary>The topic of price changes.</summary>
    public static string PricesTopic => CountersSql.PricesVersion;

    /// <summary>The topic of channel and deployment changes.</summary>
    public static string ChannelsTopic => ChannelsSql.Version;

    /// <summary>The topic of privacy policy changes.</summary>
    public static string PrivacyTopic => CountersSql.PrivacyVersion;

    /// <summary>The topic of quarantines added or lifted.</summary>
    public static string QuarantinesTopic => CountersSql.QuarantinesVersion;

    private static async Task BumpCounterAsync(DbConnection c, DbTransaction tx, string name, CancellationToken cancellationToken)
    {
        using var increment = Command(c, tx, CountersSql.Increment).Add("@name", name);
        await increment.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}
