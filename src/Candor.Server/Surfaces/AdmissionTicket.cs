using Candor.Core.Admission;

namespace Candor.Server.Surfaces;

/// <summary>What one relayed request holds from <see cref="NodeAdmission"/> and its key's rate limits: a place among
/// the requests in flight, perhaps a stream, the body bytes it buffers and the key's <see cref="RateLease"/>.
/// Disposing gives back all of it, once, on every path (the lease only if billing has not settled it already).</summary>
internal sealed class AdmissionTicket(NodeAdmission? node) : IDisposable
{
    private bool _entered;
    private bool _stream;
    private long _bodyBytes;
    private bool _disposed;

    /// <summary>The key's slot and requests-per-minute unit, taken before the body (null for configuration keys).</summary>
    public RateLease? Lease { get; set; }

    public bool TryEnter() => node is null || (_entered = node.TryEnter());

    public bool TryOpenStream() => node is null || (_stream = node.TryOpenStream());

    /// <summary>Holds body memory up to <paramref name="total"/> bytes for this request (only the growth is asked for).</summary>
    public bool TryHoldBody(long total)
    {
        if (node is null || total <= _bodyBytes)
        {
            return true;
        }

        if (!node.TryHoldBody(total - _bodyBytes))
        {
            return false;
        }

        _bodyBytes = total;
        return true;
    }

    /// <summary>Holds, beside the <paramref name="bodyLength"/> bytes of body already held, what decoding them costs
    /// (<see cref="NodeAdmission.DecodingCost"/>) until the request ends.</summary>
    public bool TryHoldDecoding(long bodyLength) => node is null || TryHoldBody(_bodyBytes + node.DecodingCost(_bodyBytes, bodyLength));

    /// <summary>Records what the body's array really holds when it is more than was asked for.</summary>
    public void HoldAtLeast(long total)
    {
        if (node is not null && total > _bodyBytes)
        {
            node.ForceHoldBody(total - _bodyBytes);
            _bodyBytes = total;
        }
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        Lease?.Dispose();
        if (node is null)
        {
            return;
        }

        if (_bodyBytes > 0)
        {
            node.ReleaseBody(_bodyBytes);
        }

        if (_stream)
        {
            node.CloseStream();
        }

        if (_entered)
        {
            node.Exit();
        }
    }
}
