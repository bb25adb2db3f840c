using Candor.Core.Routing;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Candor.Core.Audit;

/// <summary>Restores the stored quarantines before the server listens, then wakes on the injected clock when the next
/// audit target is due and runs the due rounds. With audits off it looks again every minute, so a configuration
/// reload that turns them on takes effect.</summary>
internal sealed class AuditScheduler(ChannelAuditor auditor, ChannelQuarantine quarantine, SnapshotHolder snapshots, TimeProvider time, ILogger<AuditScheduler> logger)
    : BackgroundService
{
    /// <inheritdoc/>
    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        // Fails the start when the store cannot be read: serving a quarantined channel would be failing open.
        await quarantine.LoadAsync(cancellationToken).ConfigureAwait(false);
        await base.StartAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var wait = snapshots.Current.Config.Audit.Enabled ? auditor.TimeUntilNextDue() : TimeSpan.FromMinutes(1);
            try
            {
                await Task.Delay(wait, time, stoppingToken).ConfigureAwait(false);
                await auditor.RunDueAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.RoundFailed("*", e.GetType().Name);
            }
        }
    }
}
