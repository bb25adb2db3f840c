using Candor.Core.Configuration;
using Candor.Core.Relay;
using Candor.Protocols.Canonical;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Candor.Core.Routing;

/// <summary>Active health probes (<c>routing.probes</c>, off by default): every interval, one cheap request
/// (a one-token chat completion) to each deployment of the current snapshot. A success closes the deployment's
/// circuit, clears a Retry-After wait and re-enables a channel disabled for its credential; a failure counts
/// like a request's (a refused credential disables the channel). Answers that only say the request was odd
/// (400, 404, 413, 422: an embedding model asked to chat) leave the state as it is.</summary>
internal sealed class HealthProber(SnapshotHolder snapshots, HealthRegistry health, ILogger<HealthProber> logger) : BackgroundService
{
    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var probes = snapshots.Current.Config.Routing.Probes;
            try
            {
                await Task.Delay(probes.Interval, health.Time, stoppingToken).ConfigureAwait(false);
                if (snapshots.Current.Config.Routing.Probes.Enabled)
                {
                    await ProbeAllAsync(snapshots.Current, stoppingToken).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
        }
    }

    /// <summary>Probes every distinct deployment of <paramref name="snapshot"/> once, in parallel.</summary>
    public async Task ProbeAllAsync(RuntimeSnapshot snapshot, CancellationToken cancellationToken)
    {
        var seen = new HashSet<(string, string)>();
        var work = new List<Task>();
        foreach (var route in snapshot.Models.Values)
        {
            foreach (var d in route.Deployments)
            {
                if (seen.Add((d.ChannelId, d.UpstreamModel)) && snapshot.Channels.TryGetValue(d.ChannelId, out var channel))
                {
                    work.Add(ProbeAsync(snapshot, channel, d, cancellationToken));
                }
            }
        }

        await Task.WhenAll(work).ConfigureAwait(false);
    }

    /// <summary>Sends one probe and applies its verdict; returns the failure class (None on success).</summary>
    public async Task<UpstreamFailure> ProbeAsync(RuntimeSnapshot snapshot, ChannelRuntime channel, Deployment deployment, CancellationToken cancellationToken)
    {
        var options = snapshot.Config.Routing;
        var request = new ChatRequest { Model = deployment.UpstreamModel, MaxOutputTokens = 1, SourceProtocol = channel.Adapter.Protocol };
        request.Messages.Add(ChatMessage.Text(ChatRole.User, "ping"));
        var state = health.Deployment(channel, deployment);
        var channelState = health.Channel(channel);
        UpstreamFailure verdict;
        try
        {
            using var message = channel.Adapter.CreateChatRequest(channel.Settings, deployment.UpstreamModel, request);
            using var timer = UpstreamCall.StartTimer(options.Probes.Timeout, cancellationToken);
            var (response, failure) = await UpstreamCall.SendAsync(channel, message, timer, cancellationToken).ConfigureAwait(false);
            using (response)
            {
                verdict = response is not null ? UpstreamFailure.None : failure.Error is null ? UpstreamFailure.None : failure.Failure;
                if (response is null && failure.Error is null)
                {
                    return UpstreamFailure.None; // stopping
                }

                if (verdict == UpstreamFailure.None)
                {
                    channelState.Enable();
                    state.Reset();
                }
                else if (verdict == UpstreamFailure.Credentials)
                {
                    channelState.Disable("a health probe's credential was refused (401 or 403)");
                }
                else if (FailureClassifier.CountsAgainstHealth(verdict) && verdict != UpstreamFailure.NotFound)
                {
                    state.RecordFailure(verdict, TimeSpan.Zero, failure.Error?.RetryAfterSeconds, trial: false, options.Health);
                }
            }
        }
        catch (InvalidOperationException)
        {
            // UpstreamCall classifies every upstream failure; this is a request the client refuses to send
            // (a channel URL it cannot use), which must not stop the prober.
            verdict = UpstreamFailure.Connect;
        }

        logger.ProbeResult(channel.Settings.Id, deployment.UpstreamModel, FailureClassifier.Name(verdict));
        return verdict;
    }
}
