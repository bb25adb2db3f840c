namespace Candor.Core.Routing;

/// <summary>Channel-wide state: whether the channel is disabled (an upstream refused its credential, or an admin
/// disabled it) and why. A disabled channel's deployments are never selected, whatever the all-unhealthy policy.</summary>
internal sealed class ChannelHealth
{
    private readonly Lock _gate = new();
    private readonly TimeProvider _time;
    private readonly HealthEvents _events;
    private string? _disabledReason;
    private DateTimeOffset? _disabledAt;

    internal ChannelHealth(string channelId, string fingerprint, TimeProvider time, HealthEvents events)
    {
        ChannelId = channelId;
        Fingerprint = fingerprint;
        _time = time;
        _events = events;
    }

    /// <summary>The channel's public id.</summary>
    public string ChannelId { get; }

    /// <summary>The channel settings this state belongs to; a changed channel (new URL or credential) starts fresh.</summary>
    internal string Fingerprint { get; }

    /// <summary>False while the channel is disabled.</summary>
    public bool Enabled => Volatile.Read(ref _disabledReason) is null;

    /// <summary>Why the channel is disabled (never a secret or upstream text), or null.</summary>
    public string? DisabledReason => Volatile.Read(ref _disabledReason);

    /// <summary>When the channel was disabled, or null.</summary>
    public DateTimeOffset? DisabledAt
    {
        get
        {
            lock (_gate)
            {
                return _disabledAt;
            }
        }
    }

    /// <summary>Disables the channel with a reason; returns false if it already was (the first reason stays).</summary>
    internal bool Disable(string reason)
    {
        lock (_gate)
        {
            if (_disabledReason is not null)
            {
                return false;
            }

            _disabledAt = _time.GetUtcNow();
            Volatile.Write(ref _disabledReason, reason);
        }

        _events.ChannelDisabled(ChannelId, reason);
        return true;
    }

    /// <summary>Re-enables the channel; returns false if it was not disabled.</summary>
    internal bool Enable()
    {
        lock (_gate)
        {
            if (_disabledReason is null)
            {
                return false;
            }

            _disabledAt = null;
            Volatile.Write(ref _disabledReason, null);
        }

        _events.ChannelEnabled(ChannelId);
        return true;
    }
}
