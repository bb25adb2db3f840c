using Candor.Core.Admission;
using Candor.Core.Receipts;
using Candor.Storage;

namespace Candor.Server.Hosting;

/// <summary>This node's requests whose answer was withheld because their settlement was not confirmed in time (a store
/// error, or a write slower than <see cref="StoreHealth.WriteTimeout"/> that may still commit), or whose admission write
/// failed after it may have committed (<see cref="BillingBook.Abandoned"/>). Once the store answers, each is resolved so
/// that its client, refused the answer, is not charged (<see cref="RelationalStore.ResolveWithheldAsync"/>): an admission
/// still in place is recorded <c>interrupted</c> (its reservation released, its <c>interrupted</c> receipt sealed), a
/// settlement that committed too late is refunded with a ledger entry that says why (docs/fail-closed.md, "A settlement
/// that commits too late"). A request stays listed while the store fails, so the resolution waits for it; one found nowhere
/// (an admission write that never landed) is forgotten after <see cref="Window"/>. On a shared store <see cref="ClusterNode"/>
/// runs the rounds; on SQLite the node's own loop (<see cref="Loop"/>).</summary>
internal sealed class WithheldRequests(RelationalStore store, BillingBook book, IServiceProvider services, TimeProvider time, ILogger<WithheldRequests> logger)
{
    /// <summary>How long a withheld request found nowhere is looked for (a timed-out admission write may still commit a
    /// little later).</summary>
    private static readonly TimeSpan Window = TimeSpan.FromSeconds(60);

    /// <summary>How old a withheld request must be before a round resolves it: its client has had its answer, and a write
    /// that timed out has had time to commit or fail.</summary>
    internal static readonly TimeSpan Age = TimeSpan.FromSeconds(10);

    /// <summary>Resolves this node's requests withheld at least <paramref name="age"/> ago.</summary>
    public async Task ResolveAsync(TimeSpan age, CancellationToken cancellationToken)
    {
        var before = time.GetUtcNow() - age;
        var withheld = book.Abandoned.Where(a => a.Value <= before).ToList();
        if (withheld.Count == 0)
        {
            return;
        }

        var resolution = await store.ResolveWithheldAsync([.. withheld.Select(static a => a.Key)], cancellationToken).ConfigureAwait(false);
        var now = time.GetUtcNow();
        foreach (var (requestId, at) in withheld)
        {
            if (resolution.IsResolved(requestId) || now - at > Window)
            {
                book.Forget(requestId);
            }
        }

        if (resolution.Recovered.Count > 0)
        {
            await SealRecoveredReceiptsAsync(cancellationToken).ConfigureAwait(false);
            logger.AbandonedRecovered(resolution.Recovered.Count);
        }

        if (resolution.Refunded.Count > 0)
        {
            logger.LateSettlementsRefunded(resolution.Refunded.Count);
        }
    }

    /// <summary>Seals and stores the <c>interrupted</c> receipts that recovered admissions promised.</summary>
    public async Task SealRecoveredReceiptsAsync(CancellationToken cancellationToken)
    {
        if (services.GetService<ReceiptService>() is { } receipts)
        {
            var leftovers = await store.ListInterruptedReceiptsAsync(cancellationToken).ConfigureAwait(false);
            if (leftovers.Count > 0)
            {
                await store.StoreInterruptedReceiptsAsync([.. leftovers.Select(a => (a.RequestId, receipts.SealInterrupted(a)))], cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>The rounds on a store no other node shares (SQLite): every <see cref="RelationalStore.NodeRenewal"/>, and
    /// once more at a clean stop.</summary>
    internal sealed class Loop(WithheldRequests withheld, TimeProvider time, ILogger<WithheldRequests> logger) : BackgroundService
    {
        public override async Task StopAsync(CancellationToken cancellationToken)
        {
            await base.StopAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                await RoundAsync(TimeSpan.Zero, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // The stop's time ran out: the next start recovers the admissions left (a refund owed is not found again).
            }
        }

        protected override async Task ExecuteAsync(CancellationToken stoppingToken)
        {
            using var timer = new PeriodicTimer(RelationalStore.NodeRenewal, time);
            try
            {
                while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
                {
                    await RoundAsync(Age, stoppingToken).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException)
            {
                // Stopping.
            }
        }

        private async Task RoundAsync(TimeSpan age, CancellationToken cancellationToken)
        {
            try
            {
                await withheld.ResolveAsync(age, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.WithheldResolutionFailed(e.GetType().Name, (int)RelationalStore.NodeRenewal.TotalSeconds);
            }
        }
    }
}
