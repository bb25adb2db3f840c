using Candor.Storage;

namespace Candor.Server.Hosting;

/// <summary>This server as a node on a shared store (PostgreSQL; docs/scale-out.md, "A node dies"): renews its lease
/// before the server listens and every <see cref="RelationalStore.NodeRenewal"/>, recovers the admissions of nodes whose
/// lease expired (releasing the money they held and sealing the <c>interrupted</c> receipts they promised), recovers this
/// node's own requests whose settlement failed once the store takes writes again, and ends its lease at a clean stop.
/// With the data directory's persistent id (<see cref="NodeIdFile"/>, held by <paramref name="nodeId"/>) a restarted node claims its id back first and
/// recovers its previous run's admissions at once (docs/scale-out.md, "Node ids").</summary>
internal sealed class ClusterNode(RelationalStore store, WithheldRequests withheld, TimeProvider time, ILogger<ClusterNode> logger,
    NodeIdHold? nodeId = null)
    : BackgroundService
{
    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        // Before the first admission: a node without a lease row would look dead to the others.
        if (nodeId?.File is { } file)
        {
            await ClaimPersistentIdAsync(file, cancellationToken).ConfigureAwait(false);
        }
        else if (nodeId is not null)
        {
            logger.NodeIdHeldByAnotherProcess(store.NodeId);
        }

        await store.RenewNodeAsync(cancellationToken).ConfigureAwait(false);
        logger.NodeJoined(store.NodeId, (int)RelationalStore.NodeRenewal.TotalSeconds);
        await base.StartAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Claims the data directory's node id (a new one when another live process holds it: a copied directory),
    /// records this process as its holder, and takes back at once what the previous run under it left admitted.</summary>
    private async Task ClaimPersistentIdAsync(NodeIdFile file, CancellationToken cancellationToken)
    {
        if (!await store.TryClaimNodeAsync(file.NodeId, file.PreviousInstance, cancellationToken).ConfigureAwait(false))
        {
            string taken = file.NodeId;
            file.Renew();
            if (!await store.TryClaimNodeAsync(file.NodeId, null, cancellationToken).ConfigureAwait(false))
            {
                throw new InvalidOperationException("a new node id could not be claimed on the shared store");
            }

            logger.NodeIdLiveElsewhere(taken, file.NodeId);
        }

        file.Record(store.NodeId, store.Instance);
        int recovered = await store.RecoverOwnAsync(cancellationToken).ConfigureAwait(false);
        if (recovered > 0)
        {
            await withheld.SealRecoveredReceiptsAsync(cancellationToken).ConfigureAwait(false);
            logger.PreviousRunRecovered(store.NodeId, recovered);
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await withheld.ResolveAsync(TimeSpan.Zero, cancellationToken).ConfigureAwait(false);
            await store.LeaveAsync(cancellationToken).ConfigureAwait(false);
        }
#pragma warning disable CA1031 // A node that cannot say goodbye is recovered when its lease expires.
        catch (Exception e)
#pragma warning restore CA1031
        {
            logger.NodeMaintenanceFailed(e.GetType().Name, (int)RelationalStore.NodeRenewal.TotalSeconds);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(RelationalStore.NodeRenewal, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                try
                {
                    await RunOnceAsync(stoppingToken).ConfigureAwait(false);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    logger.NodeMaintenanceFailed(e.GetType().Name, (int)RelationalStore.NodeRenewal.TotalSeconds);
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }
    }

    /// <summary>One round: renew, resolve this node's withheld requests (<see cref="WithheldRequests"/>), recover dead nodes, seal the receipts recovered
    /// admissions promised.</summary>
    internal async Task RunOnceAsync(CancellationToken cancellationToken)
    {
        if (!await store.RenewNodeAsync(cancellationToken).ConfigureAwait(false))
        {
            logger.NodeIdTaken(store.NodeId);
        }

        await withheld.ResolveAsync(WithheldRequests.Age, cancellationToken).ConfigureAwait(false);
        int dead = await store.RecoverInterruptedAsync(cancellationToken).ConfigureAwait(false);
        if (dead > 0)
        {
            logger.DeadNodesRecovered(dead);
        }

        await withheld.SealRecoveredReceiptsAsync(cancellationToken).ConfigureAwait(false);
    }
}
