using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Candor.Core.Routing;

/// <summary>What operators are told when health changes state: a log line and a counter for each circuit that
/// opens or closes and each channel disabled or re-enabled. Names only (channel id, upstream model, failure
/// class, reason): never upstream text or user content.</summary>
internal sealed partial class HealthEvents : IDisposable
{
    private readonly ILogger _logger;
    private readonly Meter? _meter;
    private readonly Counter<long>? _circuits;
    private readonly Counter<long>? _channels;

    /// <summary>Creates the reporter.</summary>
    /// <param name="logger">Where state changes are logged.</param>
    /// <param name="meterFactory">Metrics (optional): <c>candor.routing.circuit.changes</c> and <c>candor.routing.channel.changes</c>.</param>
    public HealthEvents(ILogger<HealthEvents> logger, IMeterFactory? meterFactory = null)
    {
        _logger = logger;
        if (meterFactory is not null)
        {
            _meter = meterFactory.Create("Candor.Routing");
            _circuits = _meter.CreateCounter<long>("candor.routing.circuit.changes", description: "Deployment circuits opened or closed, by channel, upstream model and state");
            _channels = _meter.CreateCounter<long>("candor.routing.channel.changes", description: "Channels disabled or re-enabled, by channel and state");
        }
    }

    [ThreadStatic]
    private static bool t_fromPeer;

    /// <summary>A reporter that logs and counts nothing (tests, tools).</summary>
    public static HealthEvents None { get; } = new(NullLogger<HealthEvents>.Instance);

    /// <summary>Each change of this node's own making (not one applied from another node's report).</summary>
    internal event Action<HealthChange>? Changed;

    /// <summary>Runs <paramref name="apply"/> (a change another node reported) without raising <see cref="Changed"/>, so
    /// that a report is never echoed back; it is logged and counted as any change.</summary>
    internal static void FromPeer(Action apply)
    {
        t_fromPeer = true;
        try
        {
            apply();
        }
        finally
        {
            t_fromPeer = false;
        }
    }

    private void Raise(HealthChange change)
    {
        if (!t_fromPeer)
        {
            Changed?.Invoke(change);
        }
    }

    internal void CircuitOpened(string channelId, string upstreamModel, UpstreamFailure failure, TimeSpan cooldown, int openings)
    {
        LogCircuitOpened(_logger, channelId, upstreamModel, failure.ToString(), (long)cooldown.TotalSeconds, openings);
        _circuits?.Add(1, new KeyValuePair<string, object?>("channel", channelId), new KeyValuePair<string, object?>("model", upstreamModel),
            new KeyValuePair<string, object?>("state", "open"));
        Raise(new HealthChange(HealthChangeKind.CircuitOpened, channelId, upstreamModel, cooldown, null, failure));
    }

    internal void CircuitClosed(string channelId, string upstreamModel)
    {
        LogCircuitClosed(_logger, channelId, upstreamModel);
        _circuits?.Add(1, new KeyValuePair<string, object?>("channel", channelId), new KeyValuePair<string, object?>("model", upstreamModel),
            new KeyValuePair<string, object?>("state", "closed"));
        Raise(new HealthChange(HealthChangeKind.CircuitClosed, channelId, upstreamModel, TimeSpan.Zero, null));
    }

    internal void ChannelDisabled(string channelId, string reason)
    {
        LogChannelDisabled(_logger, channelId, reason);
        _channels?.Add(1, new KeyValuePair<string, object?>("channel", channelId), new KeyValuePair<string, object?>("state", "disabled"));
        Raise(new HealthChange(HealthChangeKind.ChannelDisabled, channelId, null, TimeSpan.Zero, reason));
    }

    internal void ChannelEnabled(string channelId)
    {
        LogChannelEnabled(_logger, channelId);
        _channels?.Add(1, new KeyValuePair<string, object?>("channel", channelId), new KeyValuePair<string, object?>("state", "enabled"));
        Raise(new HealthChange(HealthChangeKind.ChannelEnabled, channelId, null, TimeSpan.Zero, null));
    }

    /// <inheritdoc/>
    public void Dispose() => _meter?.Dispose();

    [LoggerMessage(1410, LogLevel.Warning, "Circuit opened for channel {Channel} model {UpstreamModel} at a {Failure} failure: no requests for {CooldownSeconds}s (opening {Openings} in a row)")]
    private static partial void LogCircuitOpened(ILogger logger, string channel, string upstreamModel, string failure, long cooldownSeconds, int openings);

    [LoggerMessage(1411, LogLevel.Information, "Circuit closed for channel {Channel} model {UpstreamModel}: a request succeeded")]
    private static partial void LogCircuitClosed(ILogger logger, string channel, string upstreamModel);

    [LoggerMessage(1412, LogLevel.Warning, "Channel {Channel} disabled: {Reason}")]
    private static partial void LogChannelDisabled(ILogger logger, string channel, string reason);

    [LoggerMessage(1413, LogLevel.Information, "Channel {Channel} enabled again")]
    private static partial void LogChannelEnabled(ILogger logger, string channel);
}
