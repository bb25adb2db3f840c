namespace Candor.Emulator;

/// <summary>
/// The last 200 requests the emulator received, for tests. It holds request bodies (and the selected
/// auth headers) in memory, so it is a test convenience, not something to run against real traffic.
/// </summary>
public sealed class EmulatorJournal
{
    /// <summary>How many entries the journal keeps.</summary>
    public const int Capacity = 200;

    private readonly Lock _gate = new();
    private readonly Queue<JournalEntry> _entries = new();
    private long _count;
    private long _framesWritten;

    /// <summary>Total requests received since start (or the last <see cref="Clear"/>), including ones no longer kept.</summary>
    public long Count
    {
        get { lock (_gate) { return _count; } }
    }

    /// <summary>Stream frames (SSE events or JSON-array elements) written and flushed to clients since start: how far
    /// an upstream got, for tests of backpressure.</summary>
    public long FramesWritten => Interlocked.Read(ref _framesWritten);

    internal void FrameWritten() => Interlocked.Increment(ref _framesWritten);

    /// <summary>The most recent request, or null.</summary>
    public JournalEntry? Last
    {
        get { lock (_gate) { return _entries.Count == 0 ? null : _entries.Last(); } }
    }

    /// <summary>A snapshot of the kept requests, oldest first.</summary>
    public IReadOnlyList<JournalEntry> All
    {
        get { lock (_gate) { return [.. _entries]; } }
    }

    /// <summary>Forgets all entries and resets <see cref="Count"/>.</summary>
    public void Clear()
    {
        lock (_gate)
        {
            _entries.Clear();
            _count = 0;
        }
    }

    internal void Add(JournalEntry entry)
    {
        lock (_gate)
        {
            _count++;
            _entries.Enqueue(entry);
            while (_entries.Count > Capacity)
            {
                _entries.Dequeue();
            }
        }
    }
}
