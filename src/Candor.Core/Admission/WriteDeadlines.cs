using System.Runtime.CompilerServices;

namespace Candor.Core.Admission;

/// <summary>The deadline of the durable writes a request waits for (<see cref="StoreHealth.WriteTimeout"/>), with one timer
/// for every write of a short slice of time rather than one per write.</summary>
/// <remarks>A write's wait used a cancellation source with its own timer (it withdraws the item from the group commit's
/// queue) and <c>Task.WaitAsync(timeout)</c> with another: two timers created and destroyed per durable write, two durable
/// writes per request (the admission record and the settlement), each taking the runtime's timer-queue lock
/// (docs/benchmarks.md, "Hand-offs on the durable write path"). Here the writes that start within one
/// <see cref="Slice"/> share one cancellation source, cancelled <see cref="StoreHealth.WriteTimeout"/> plus one slice after
/// the slice began: a write's wait ends between <see cref="StoreHealth.WriteTimeout"/> and that plus <see cref="Slice"/>
/// after it started — never earlier, so a busy lock held by another process (<see cref="StoreHealth.BusyTimeout"/>) still
/// fails the write before its caller gives up. At most one timer per slice, whatever the load.</remarks>
internal sealed class WriteDeadlines
{
    /// <summary>How much later than <see cref="StoreHealth.WriteTimeout"/> a wait may end: the writes started within one
    /// slice share a cancellation source and its timer.</summary>
    public static readonly TimeSpan Slice = TimeSpan.FromMilliseconds(250);

    private static readonly WriteDeadlines SystemClock = new(TimeProvider.System);
    private static readonly ConditionalWeakTable<TimeProvider, WriteDeadlines> OtherClocks = new();

    private readonly TimeProvider _time;
    private readonly long _sliceTicks;
    private readonly Lock _gate = new();
    private Current? _current;

    private WriteDeadlines(TimeProvider time)
    {
        _time = time;
        _sliceTicks = Math.Max(1, (long)(Slice.TotalSeconds * time.TimestampFrequency));
    }

    /// <summary>The deadlines of one clock (tests give theirs; the server's is the system's).</summary>
    public static WriteDeadlines For(TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(time);
        return ReferenceEquals(time, TimeProvider.System) ? SystemClock : OtherClocks.GetValue(time, static t => new WriteDeadlines(t));
    }

    /// <summary>A token cancelled no earlier than <see cref="StoreHealth.WriteTimeout"/> from now and no later than that
    /// plus <see cref="Slice"/>. Allocates nothing but once per slice.</summary>
    public CancellationToken Next()
    {
        long now = _time.GetTimestamp();
        var current = Volatile.Read(ref _current);
        if (current is not null && now - current.Start < _sliceTicks)
        {
            return current.Token;
        }

        lock (_gate)
        {
            current = _current;
            if (current is null || now - current.Start >= _sliceTicks)
            {
                // Cancelled a whole slice after WriteTimeout: a write that takes this token at the slice's last instant
                // still waits WriteTimeout. The source is not disposed: it is handed out only within its slice, its timer
                // is gone once it fires, and the memory goes with the last registration.
                current = new Current(now, new CancellationTokenSource(StoreHealth.WriteTimeout + Slice, _time));
                Volatile.Write(ref _current, current);
            }

            return current.Token;
        }
    }

    private sealed class Current(long start, CancellationTokenSource source)
    {
        public long Start { get; } = start;

        public CancellationToken Token { get; } = source.Token;
    }
}
