using Candor.Core.Routing;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Candor.Core.Audit;

/// <summary>Wakes on the injected clock when the next audit target is due and runs the due rounds. With audits off it
/// looks again every minute, so a configuration reload that turns them on takes effect.</summary>
public sealed class AuditScheduler(ChannelAuditor auditor, SnapshotHolder snapshots, TimeProvider time, ILogger<AuditScheduler> logger) : BackgroundService
{
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
