using Candor.Core.Admission;
using Candor.Core.Relay;

namespace Candor.Server.Surfaces;

/// <summary>What one relayed request holds from <see cref="NodeAdmission"/> and its key's rate limits: a place among
/// the requests in flight, perhaps a stream, the body bytes it buffers and the key's <see cref="RateLease"/>.
/// Disposing gives back all of it, once, on every path (the lease only if billing has not settled it already). The body
/// array's share goes back earlier, when the array returns to the pool (<see cref="BodyReturned"/>): a stream releases
/// its client's body at the commit and may stay open for minutes after it.</summary>
internal sealed class AdmissionTicket(NodeAdmission? node) : IDisposable, IBodyBudget
{
    private bool _entered;
    private bool _stream;
    private long _bodyBytes;

    // The body array's share of _bodyBytes, fixed once the body is whole; given back by whichever of BodyReturned and
    // Dispose takes it first (they may run on different threads: the last hold on a body can end on an HTTP/2 send's).
    private long _arrayShare;
    private long _arrayHeld;
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
    public bool TryHoldDecoding(long bodyLength)
    {
        // What is held up to here is the body's array; decoding's share is held until the request ends.
        _arrayShare = _arrayHeld = _bodyBytes;
        return node is null || TryHoldBody(_bodyBytes + node.DecodingCost(_bodyBytes, bodyLength));
    }

    /// <summary>Records what the body's array really holds when it is more than was asked for.</summary>
    public void HoldAtLeast(long total)
    {
        if (node is not null && total > _bodyBytes)
        {
            node.ForceHoldBody(total - _bodyBytes);
            _bodyBytes = total;
        }
    }

    /// <summary>Gives back the body array's share of the budget: the array is back in the pool (the request's
    /// <see cref="RequestBytes"/> calls this once, at the commit or when the last send of it ends).</summary>
    public void BodyReturned()
    {
        long share = Interlocked.Exchange(ref _arrayHeld, 0);
        if (share > 0)
        {
            node?.ReleaseBody(share);
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

        long bodyBytes = _bodyBytes - _arrayShare + Interlocked.Exchange(ref _arrayHeld, 0);
        if (bodyBytes > 0)
        {
            node.ReleaseBody(bodyBytes);
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
