using Candor.Core;

namespace Candor.Server.Hosting;

/// <summary>Loads the stored channels before the server listens, then checks their version every second and
/// rebuilds the snapshot when it changed (a change by the CLI, or by another node on a shared database). The admin
/// API rebuilds at once after its own writes; this catches everything else.</summary>
internal sealed class ChannelRefresher(SnapshotBuilder builder, TimeProvider time, ILogger<ChannelRefresher> logger, ChangeFeed? feed = null) : BackgroundService
{
    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        await builder.RefreshAsync(force: true, cancellationToken).ConfigureAwait(false);
        await base.StartAsync(cancellationToken).ConfigureAwait(false);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1), time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                if (feed is { IsListening: true })
                {
                    continue; // changes are pushed (ChangeFeed); polling is the fallback
                }

                try
                {
                    await builder.RefreshAsync(force: false, stoppingToken).ConfigureAwait(false);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    logger.ChannelRefreshFailed(e.GetType().Name);
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }
    }
}
