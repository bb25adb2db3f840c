using System.Buffers;
using System.Globalization;
using System.Text.Json;
using Candor.Core.Audit;
using Candor.Core.Routing;
using StackExchange.Redis;

namespace Candor.Server.Hosting;

/// <summary>Shared health (issue 16 item 6; docs/scale-out.md, "Shared health"): with <c>cluster.redis</c> every node
/// publishes its own health changes — a deployment's circuit opened (with its cooldown) or closed, a channel disabled
/// or enabled, a channel quarantined or released — on the Redis pub/sub channel <see cref="Channel"/>, and applies the
/// other nodes' to its own state, so a failing channel is avoided by every node instead of rediscovered by each.
/// Reports carry names and durations only. Best effort: a report lost while Redis is down leaves each node to find the
/// failure itself, as without a cluster; applied reports are never published again (no echo).</summary>
internal sealed partial class HealthGossip : IHostedService
{
    /// <summary>The pub/sub channel.</summary>
    public static readonly RedisChannel Channel = RedisChannel.Literal("candor:health");

    private readonly IConnectionMultiplexer _redis;
    private readonly HealthRegistry _health;
    private readonly HealthEvents _events;
    private readonly ChannelQuarantine _quarantine;
    private readonly SnapshotHolder _snapshots;
    private readonly ILogger<HealthGossip> _logger;
    private readonly string _node = Guid.NewGuid().ToString("N")[..12];
    private readonly CancellationTokenSource _stop = new();

    public HealthGossip(IConnectionMultiplexer redis, HealthRegistry health, HealthEvents events, ChannelQuarantine quarantine, SnapshotHolder snapshots, ILogger<HealthGossip> logger)
    {
        _redis = redis;
        _health = health;
        _events = events;
        _quarantine = quarantine;
        _snapshots = snapshots;
        _logger = logger;
    }

    /// <inheritdoc/>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        _events.Changed += OnHealthChanged;
        _quarantine.Changed += OnQuarantineChanged;
        try
        {
            await _redis.GetSubscriber().SubscribeAsync(Channel, (_, message) => Apply(message)).ConfigureAwait(false);
        }
        catch (RedisException e)
        {
            // The multiplexer subscribes again by itself once Redis answers.
            LogUnavailable(_logger, e.GetType().Name);
        }
    }

    /// <inheritdoc/>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        _events.Changed -= OnHealthChanged;
        _quarantine.Changed -= OnQuarantineChanged;
        await _stop.CancelAsync().ConfigureAwait(false);
        try
        {
            await _redis.GetSubscriber().UnsubscribeAsync(Channel).ConfigureAwait(false);
        }
        catch (RedisException)
        {
            // Gone with the connection.
        }
    }

    /// <summary>The report of a change (JSON: <c>node</c>, <c>kind</c>, <c>channel</c>, <c>model</c>, <c>ms</c>, <c>reason</c>, <c>failure</c>).</summary>
    internal static byte[] Encode(string node, string kind, string channel, string? model = null, long ms = 0, string? reason = null, string? failure = null)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("node", node);
            w.WriteString("kind", kind);
            w.WriteString("channel", channel);
            if (model is not null)
            {
                w.WriteString("model", model);
            }

            if (ms > 0)
            {
                w.WriteNumber("ms", ms);
            }

            if (reason is not null)
            {
                w.WriteString("reason", reason);
            }

            if (failure is not null)
            {
                w.WriteString("failure", failure);
            }

            w.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    private void OnHealthChanged(HealthChange change) => Publish(change.Kind switch
    {
        HealthChangeKind.CircuitOpened => Encode(_node, "open", change.ChannelId, change.UpstreamModel, (long)change.Cooldown.TotalMilliseconds, failure: change.Failure.ToString()),
        HealthChangeKind.CircuitClosed => Encode(_node, "close", change.ChannelId, change.UpstreamModel),
        HealthChangeKind.ChannelDisabled => Encode(_node, "disable", change.ChannelId, reason: change.Reason),
        _ => Encode(_node, "enable", change.ChannelId),
    });

    private void OnQuarantineChanged(string channelId, bool quarantined) => Publish(Encode(_node, quarantined ? "quarantine" : "release", channelId));

    private void Publish(byte[] report)
    {
        try
        {
            _redis.GetSubscriber().Publish(Channel, report, CommandFlags.FireAndForget);
        }
        catch (RedisException e)
        {
            LogUnavailable(_logger, e.GetType().Name);
        }
    }

    /// <summary>Applies another node's report to this node's state (its own reports come back too and are skipped).</summary>
    private void Apply(RedisValue message)
    {
        try
        {
            using var doc = JsonDocument.Parse((byte[])message!);
            var root = doc.RootElement;
            if (root.GetProperty("node").GetString() == _node)
            {
                return;
            }

            string kind = root.GetProperty("kind").GetString() ?? "";
            string channel = root.GetProperty("channel").GetString() ?? "";
            string? model = root.TryGetProperty("model", out var m) ? m.GetString() : null;
            var snapshot = _snapshots.Current;
            LogReport(_logger, kind, channel, model ?? "");
            switch (kind)
            {
                case "open" when model is not null && _health.FindDeployment(snapshot, channel, model) is { } deployment:
                    long ms = root.TryGetProperty("ms", out var v) ? v.GetInt64() : 0;
                    var failure = root.TryGetProperty("failure", out var f) && Enum.TryParse<UpstreamFailure>(f.GetString(), out var parsed) ? parsed : UpstreamFailure.None;
                    HealthEvents.FromPeer(() => deployment.OpenReported(TimeSpan.FromMilliseconds(Math.Clamp(ms, 1, (long)TimeSpan.FromHours(1).TotalMilliseconds)), failure));
                    break;
                case "close" when model is not null && _health.FindDeployment(snapshot, channel, model) is { } deployment:
                    HealthEvents.FromPeer(deployment.CloseReported);
                    break;
                case "disable":
                    string reason = root.TryGetProperty("reason", out var r) ? r.GetString() ?? "" : "";
                    HealthEvents.FromPeer(() => _health.DisableChannel(snapshot, channel, string.Create(CultureInfo.InvariantCulture, $"{reason} (on another node)")));
                    break;
                case "enable":
                    HealthEvents.FromPeer(() => _health.EnableChannel(snapshot, channel));
                    break;
                case "quarantine":
                    // The stored quarantine (the store is shared) is read back, with its evidence and date.
                    _ = ReloadQuarantinesAsync();
                    break;
                case "release":
                    _quarantine.Forget(channel);
                    break;
            }
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            LogBadReport(_logger, e.GetType().Name);
        }
    }

    private async Task ReloadQuarantinesAsync()
    {
        try
        {
            await _quarantine.LoadAsync(_stop.Token).ConfigureAwait(false);
        }
#pragma warning disable CA1031 // Logged: the quarantine is read again at the next report or start.
        catch (Exception e)
#pragma warning restore CA1031
        {
            LogUnavailable(_logger, e.GetType().Name);
        }
    }

    [LoggerMessage(3286, LogLevel.Information, "Health report from another node: {Kind} channel {Channel} model {Model}")]
    private static partial void LogReport(ILogger logger, string kind, string channel, string model);

    [LoggerMessage(3287, LogLevel.Warning, "Shared health: Redis pub/sub unavailable ({Error}); this node finds failures itself until it is back")]
    private static partial void LogUnavailable(ILogger logger, string error);

    [LoggerMessage(3288, LogLevel.Warning, "Shared health: a report could not be read ({Error}); ignored")]
    private static partial void LogBadReport(ILogger logger, string error);
}
