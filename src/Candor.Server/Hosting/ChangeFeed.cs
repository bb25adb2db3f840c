using Candor.Core.Accounting;
using Candor.Core.Accounts;
using Candor.Core.Audit;
using Candor.Core.Privacy;
using Candor.Storage;

namespace Candor.Server.Hosting;

/// <summary>Changes made on any node reach this one at once (docs/scale-out.md, "Changes reach every node"): on
/// PostgreSQL the node listens for the store's change notifications (<see cref="PostgresStore.ListenAsync"/>) and reloads
/// what changed — keys (a revocation refuses the key here within one round trip of the commit), prices, channels and
/// deployments, privacy policies, quarantines. While it listens the pollers (<see cref="ChannelRefresher"/>, the key and
/// price refresher, the privacy refresher) stand down; while it does not (PostgreSQL unreachable, the connection lost),
/// they poll every second as before, and quarantines are reloaded every second here; reconnected, it reloads everything
/// once, since changes made meanwhile were not notified.</summary>
internal sealed class ChangeFeed(PostgresStore store, IServiceProvider services, TimeProvider time, ILogger<ChangeFeed> logger) : BackgroundService
{
    private static readonly TimeSpan Retry = TimeSpan.FromSeconds(1);

    private int _listening;
    private long _applied;

    /// <summary>True while notifications arrive: polling stands down.</summary>
    public bool IsListening => Volatile.Read(ref _listening) != 0;

    /// <summary>How many notified changes this node has applied (tests tell a pushed change from a polled one).</summary>
    public long Applied => Interlocked.Read(ref _applied);

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(
            store.ListenAsync(ApplyAsync, Connected, Lost, Retry, stoppingToken),
            PollQuarantinesAsync(stoppingToken));

    private void Connected()
    {
        Volatile.Write(ref _listening, 1);
        logger.ChangesListening(Storage.Postgres.PostgresDatabase.ChangeChannel);
    }

    private void Lost(Exception error)
    {
        if (Interlocked.Exchange(ref _listening, 0) == 1)
        {
            logger.ChangesListenerLost(error.GetType().Name);
        }
    }

    /// <summary>Reloads what <paramref name="topic"/> names (null: everything). A reload that fails is logged; the next
    /// notification or the pollers retry it.</summary>
    private async Task ApplyAsync(string? topic)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30), time);
        IReadOnlyList<string> topics = topic is null ? RelationalStore.ChangeTopics : [topic];
        foreach (string each in topics)
        {
            try
            {
                await ReloadAsync(each, timeout.Token).ConfigureAwait(false);
                if (topic is not null)
                {
                    Interlocked.Increment(ref _applied);
                }
            }
#pragma warning disable CA1031 // A reload that fails is retried by the next notification, or by the pollers.
            catch (Exception e)
#pragma warning restore CA1031
            {
                logger.ChangeApplyFailed(each, e.GetType().Name);
            }
        }
    }

    private async Task ReloadAsync(string topic, CancellationToken cancellationToken)
    {
        if (topic == RelationalStore.KeysTopic && services.GetService<ApiKeyCache>() is { } keys)
        {
            await keys.RefreshAsync(cancellationToken).ConfigureAwait(false);
        }
        else if (topic == RelationalStore.PricesTopic && services.GetService<PriceBook>() is { } prices)
        {
            await prices.RefreshAsync(cancellationToken).ConfigureAwait(false);
        }
        else if (topic == RelationalStore.ChannelsTopic && services.GetService<SnapshotBuilder>() is { } channels)
        {
            await channels.RefreshAsync(force: false, cancellationToken).ConfigureAwait(false);
        }
        else if (topic == RelationalStore.PrivacyTopic && services.GetService<PrivacyDirectory>() is { } privacy)
        {
            await privacy.LoadAsync(cancellationToken).ConfigureAwait(false);
        }
        else if (topic == RelationalStore.QuarantinesTopic && services.GetService<ChannelQuarantine>() is { } quarantine)
        {
            await quarantine.ReloadAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The quarantines' fallback: they have no poller of their own, so while not listening they are reloaded here
    /// every second.</summary>
    private async Task PollQuarantinesAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Retry, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                if (!IsListening && services.GetService<ChannelQuarantine>() is { } quarantine)
                {
                    try
                    {
                        await quarantine.ReloadAsync(stoppingToken).ConfigureAwait(false);
                    }
                    catch (Exception e) when (e is not OperationCanceledException)
                    {
                        logger.ChangeApplyFailed(RelationalStore.QuarantinesTopic, e.GetType().Name);
                    }
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }
    }
}
