using Candor.Core.Configuration;
using Candor.Core.Receipts;
using Candor.Core.Routing;
using Candor.Protocols.Canonical;
using Candor.Protocols.Codecs;
using Microsoft.Extensions.Logging;

namespace Candor.Core.Relay;

/// <summary>One upstream attempt as the loop hands it out: the deployment the plan chose, its channel, the lease that
/// reports the attempt's outcome to health and limits, and the time left before the request's deadline.</summary>
internal readonly record struct Attempt(Deployment Deployment, ChannelRuntime Channel, DeploymentLease Lease, TimeSpan Remaining);

/// <summary>The one attempt loop of every relayed request (chat, embeddings, token counts): attempts go to the plan's
/// deployments in order while the attempt budget (<c>routing.max_attempts</c>) and the request's deadline allow, each
/// under its lease; an attempt that fails before the first byte with a retryable error goes on to the next deployment
/// (failover), one that answered or failed for good ends the loop.</summary>
/// <remarks>The loop owns the lease: it reports a failure (<see cref="DeploymentLease.Failed"/>) and always releases it;
/// the attempt reports success or a break after the commit itself, since only it knows when the response began.</remarks>
internal static class AttemptLoop
{
    /// <summary>Runs attempts until one answers (null), the client leaves (null: nothing more to write), or none is left:
    /// then the error to answer with — the last attempt's, or why no attempt could be made.</summary>
    /// <param name="context">The request; its attempt count, channel and meter follow the attempts.</param>
    /// <param name="config">The snapshot's configuration (attempt budget, deadline).</param>
    /// <param name="plan">The deployments in the order the router chose.</param>
    /// <param name="logger">Where failed attempts are logged (metadata only).</param>
    /// <param name="state">What <paramref name="attempt"/> needs, passed through without a closure.</param>
    /// <param name="attempt">One attempt: sends, and answers the client or returns why it could not.</param>
    /// <param name="maxAttempts">A lower budget than the configuration's (token counts try one deployment).</param>
    public static async Task<RelayError?> RunAsync<TState>(
        RelayContext context, CandorConfig config, RoutePlan plan, ILogger logger, TState state, Func<TState, Attempt, ValueTask<AttemptOutcome>> attempt,
        int? maxAttempts = null)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(attempt);
        int budget = Math.Min(maxAttempts ?? config.MaxAttempts, config.MaxAttempts);
        RelayError? last = null, unrecorded = null;
        while (context.Attempts < budget && !context.Aborted.IsCancellationRequested)
        {
            var remaining = config.Routing.Remaining(context.StartTimestamp);
            if (remaining <= TimeSpan.Zero)
            {
                last ??= UpstreamErrors.Timeout("the request's deadline passed before an upstream answered");
                break;
            }

            var (next, refusal) = await plan.NextAsync(context.Aborted).ConfigureAwait(false);
            if (next is not { } choice)
            {
                last ??= refusal;
                break;
            }

            // Another attempt follows a failed one: the receipt names every upstream that received the request, the failed
            // ones in failed_attempts and the last one (answering or not) in its own fields.
            if (unrecorded is not null)
            {
                context.Receipt?.AttemptFailed(unrecorded);
                unrecorded = null;
            }

            var (deployment, channel, lease) = choice;
            context.Attempts++;
            context.ChannelId = channel.Settings.Id;
            if (context.Meter is { } meter)
            {
                meter.ChannelId = channel.Settings.Id;
                meter.UpstreamModel = deployment.UpstreamModel;
            }

            AttemptOutcome outcome;
            try
            {
                outcome = await attempt(state, new Attempt(deployment, channel, lease, remaining)).ConfigureAwait(false);
                if (!outcome.Answered)
                {
                    lease.Failed(outcome.Failure, outcome.Error?.RetryAfterSeconds);
                }
            }
            finally
            {
                lease.Release();
            }

            if (outcome.Answered)
            {
                return null;
            }

            last = unrecorded = outcome.Error;
            logger.AttemptFailed(context.RequestId, context.Attempts, channel.Settings.Id, last!.Stage.ToString(), last.Kind.ToString(), last.UpstreamStatus ?? 0);
            if (!outcome.Retryable)
            {
                break;
            }
        }

        if (context.Aborted.IsCancellationRequested)
        {
            logger.ClientGone(context.RequestId);
            return null;
        }

        return last ?? UpstreamErrors.Unavailable("no deployment could be tried");
    }

    /// <summary>The whole of an admitted request that answers in one piece (embeddings, the media endpoints): a refusal
    /// answered in the client's envelope; else the attempts over the router's plan (<paramref name="estimate"/>: the
    /// tokens the request is expected to use, for the deployments' limits), and the last failure answered when no
    /// attempt answered. The caller ends the request (<see cref="RelayReceipts.EndAsync"/>).</summary>
    public static async Task RelayAdmittedAsync<TState>(
        RelayContext context, Surface surface, ReceiptService? receipts, Router router, RuntimeSnapshot snapshot, Pipeline.Admission admitted, long estimate,
        ILogger logger, TState state, Func<TState, Attempt, ValueTask<AttemptOutcome>> attempt)
    {
        ArgumentNullException.ThrowIfNull(router);
        ArgumentNullException.ThrowIfNull(snapshot);
        if (admitted.Refusal is { } refusal)
        {
            await RelayReceipts.WriteErrorAsync(context, surface, refusal.Error, receipts, refusal.Outcome).ConfigureAwait(false);
            return;
        }

        // The data-policy filter narrowed the eligible list before the router sees it.
        var plan = router.Plan(snapshot, admitted.Route!, admitted.Deployments, null, estimate);
        var failed = await RunAsync(context, snapshot.Config, plan, logger, state, attempt).ConfigureAwait(false);
        if (failed is not null)
        {
            RelayHeaders.SetRoute(context);
            await RelayReceipts.WriteErrorAsync(context, surface, failed, receipts, ReceiptOutcome.Failed).ConfigureAwait(false);
        }
    }
}
