using System.IO.Pipelines;

namespace Candor.Core.Relay;

/// <summary>When the streaming loop flushes the client's pipe. It flushes when the next upstream event is not already
/// in memory (every event leaves as soon as nothing more is ready; a burst goes out in one write), and at the latest
/// every <see cref="MaxBytes"/> or <see cref="MaxEvents"/>: an upstream faster than the client always has the next
/// event ready, and without a flush the pipe would hold the whole answer. The flush is also the backpressure: it
/// waits while the client's buffers are full, so the upstream is read no faster than the client reads.</summary>
internal struct BurstFlush
{
    /// <summary>Most bytes a burst may leave unflushed (Kestrel's response buffer size).</summary>
    public const long MaxBytes = 64 * 1024;

    /// <summary>Most events a burst may leave unflushed (for pipes that cannot count their unflushed bytes).</summary>
    public const int MaxEvents = 64;

    private int _events;

    /// <summary>True when the loop must flush before it handles the next event; counts the event otherwise.</summary>
    public bool ShouldFlush(bool nextReady, PipeWriter pipe)
    {
        if (!nextReady || ++_events >= MaxEvents || (pipe.CanGetUnflushedBytes && pipe.UnflushedBytes >= MaxBytes))
        {
            _events = 0;
            return true;
        }

        return false;
    }
}
