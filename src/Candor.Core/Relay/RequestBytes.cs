using Candor.Protocols.Buffers;

namespace Candor.Core.Relay;

/// <summary>A request body in pooled memory with one owner and an explicit end: the client's body (owned by the
/// endpoint) and the fast path's forwarded copy (owned by the attempt). The owner reads it through <see cref="Memory"/>
/// until it calls <see cref="Release"/> — at the latest at the commit (<see cref="RelayContext.Commit"/>), when nothing
/// can forward it again — and a reader that may outlive that call (the upstream request's content, still being sent on
/// HTTP/2) takes a hold for as long as it reads (<see cref="TryHold"/>). The array goes back to the pool once, when the
/// owner has released it and the last hold has ended.</summary>
/// <remarks>Reading after the release throws instead of reading an array the pool may have given to another request:
/// a failover after the commit, were one ever attempted, fails loudly rather than forwarding someone else's bytes.</remarks>
internal sealed class RequestBytes
{
    private readonly int _length;
    private ReadOnlyMemory<byte> _memory;
    private PooledBufferWriter? _buffer;
    private IBodyBudget? _budget;

    // The owner's hold (1 until Release) plus one per reader in progress; the buffer is returned when it reaches 0.
    private int _holds = 1;
    private int _released;

    /// <summary>Takes ownership of <paramref name="buffer"/>'s written bytes (disposed once, when the last hold ends);
    /// <paramref name="budget"/>, if given, is told once, right after the buffer has gone back to the pool.</summary>
    public RequestBytes(PooledBufferWriter buffer, IBodyBudget? budget = null)
    {
        ArgumentNullException.ThrowIfNull(buffer);
        _buffer = buffer;
        _budget = budget;
        _memory = buffer.WrittenMemory;
        _length = _memory.Length;
    }

    private RequestBytes(ReadOnlyMemory<byte> memory)
    {
        _memory = memory;
        _length = memory.Length;
    }

    /// <summary>Bytes this object does not own (nothing is returned to a pool on release); for callers that hold
    /// their own memory (tests, a host without the endpoints).</summary>
    public static RequestBytes Borrowed(ReadOnlyMemory<byte> memory) => new(memory);

    /// <summary>The body's length; valid after the release too (for estimates made from it).</summary>
    public int Length => _length;

    /// <summary>Whether the owner has released the bytes.</summary>
    public bool IsReleased => Volatile.Read(ref _released) != 0;

    /// <summary>The bytes, for the owner until it releases them.</summary>
    /// <exception cref="InvalidOperationException">The bytes were released.</exception>
    public ReadOnlyMemory<byte> Memory => IsReleased ? throw Released() : _memory;

    /// <summary>Takes a hold for a read that may outlive the owner's release; false when the bytes are already
    /// released (or returned). A true result must be paired with one <see cref="EndHold"/>; until then
    /// <see cref="HeldMemory"/> is valid.</summary>
    public bool TryHold()
    {
        int holds = Volatile.Read(ref _holds);
        while (holds > 0 && Volatile.Read(ref _released) == 0)
        {
            int seen = Interlocked.CompareExchange(ref _holds, holds + 1, holds);
            if (seen == holds)
            {
                return true;
            }

            holds = seen;
        }

        return false;
    }

    /// <summary>The bytes, for a reader between <see cref="TryHold"/> and <see cref="EndHold"/>.</summary>
    public ReadOnlyMemory<byte> HeldMemory => _memory;

    /// <summary>Ends a hold taken by <see cref="TryHold"/>; the last one after the release returns the buffer.</summary>
    public void EndHold()
    {
        int holds = Interlocked.Decrement(ref _holds);
        if (holds == 0)
        {
            // Nothing refers to the array any more: whoever still holds this object (the endpoint, an attempt's frame)
            // does not keep it alive, or keep a pooled array that has gone on to another request.
            _memory = default;
            Interlocked.Exchange(ref _buffer, null)?.Dispose();
            Interlocked.Exchange(ref _budget, null)?.BodyReturned();
        }
        else if (holds < 0)
        {
            throw new InvalidOperationException("A hold on a request body ended twice.");
        }
    }

    /// <summary>The owner gives the bytes up: <see cref="Memory"/> throws from now on, and the buffer goes back to the
    /// pool now or when the last reader's hold ends. A second call does nothing.</summary>
    public void Release()
    {
        if (Interlocked.Exchange(ref _released, 1) == 0)
        {
            EndHold();
        }
    }

    private static InvalidOperationException Released() => new("The request body was released (after the commit nothing may forward it).");
}

/// <summary>What counts a request body's memory (the node's body budget, docs/admission-control.md): told when the body's
/// pooled array has gone back, which for a stream is at its commit rather than at its end.</summary>
internal interface IBodyBudget
{
    /// <summary>The body's array is back in the pool; called once, on the thread that ended the last hold.</summary>
    void BodyReturned();
}
