using Candor.Core.Admission;
using Microsoft.Extensions.Time.Testing;

namespace Candor.UnitTests.Core.Admission;

/// <summary>The durable writes' deadline without a timer per write (<see cref="WriteDeadlines"/>): a write's wait never
/// ends before <see cref="StoreHealth.WriteTimeout"/>, ends at most one <see cref="WriteDeadlines.Slice"/> after it, the
/// writes of one slice share one token (one timer), and a stuck write still times out.</summary>
public sealed class WriteDeadlinesTests
{
    private static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(1);
    private static readonly TimeSpan TestTimeout = TimeSpan.FromSeconds(10);

    [Fact]
    public void Deadline_NeverBeforeWriteTimeout_AtMostOneSliceAfter()
    {
        var time = new FakeTimeProvider();
        var first = StoreHealth.Deadline(time);

        // The last write of the slice: it must still wait the whole WriteTimeout.
        time.Advance(WriteDeadlines.Slice - Tick);
        var last = StoreHealth.Deadline(time);
        Assert.Equal(first, last);

        time.Advance(StoreHealth.WriteTimeout - Tick);
        Assert.False(last.IsCancellationRequested, "ended before WriteTimeout for the slice's last write");

        time.Advance(2 * Tick);
        Assert.True(first.IsCancellationRequested, "not ended one slice after WriteTimeout for the slice's first write");
        Assert.True(last.IsCancellationRequested);
    }

    [Fact]
    public void NextSlice_GetsItsOwnToken_AndAFreshOneAfterTheOldFired()
    {
        var time = new FakeTimeProvider();
        var first = StoreHealth.Deadline(time);
        time.Advance(WriteDeadlines.Slice);
        var second = StoreHealth.Deadline(time);
        Assert.NotEqual(first, second);

        time.Advance(StoreHealth.WriteTimeout + WriteDeadlines.Slice);
        Assert.True(first.IsCancellationRequested);
        Assert.True(second.IsCancellationRequested);

        // Idle for longer than the deadline: the next write does not get a token that already fired.
        var fresh = StoreHealth.Deadline(time);
        Assert.False(fresh.IsCancellationRequested);
        Assert.NotEqual(second, fresh);
    }

    [Fact]
    public void Clocks_DoNotShareDeadlines()
    {
        var one = new FakeTimeProvider();
        var other = new FakeTimeProvider();
        var token = StoreHealth.Deadline(one);
        other.Advance(StoreHealth.WriteTimeout + WriteDeadlines.Slice);
        Assert.False(token.IsCancellationRequested);
        Assert.NotEqual(token, StoreHealth.Deadline(other));
    }

    [Fact]
    public async Task StuckWrite_TimesOut_AndAFailureAfterwardsIsObserved()
    {
        var time = new FakeTimeProvider();
        var stuck = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        var deadline = StoreHealth.Deadline(time);
        var waiting = StoreHealth.WaitForWriteAsync(stuck.Task, deadline);

        time.Advance(StoreHealth.WriteTimeout - Tick);
        await Task.Delay(20);
        Assert.False(waiting.IsCompleted);

        time.Advance(WriteDeadlines.Slice + Tick);
        await Assert.ThrowsAsync<TimeoutException>(() => waiting.WaitAsync(TestTimeout));

        // The write goes on by itself; its late failure is observed (no unobserved task exception), not thrown here.
        stuck.SetException(new IOException("late"));
        await Assert.ThrowsAsync<IOException>(() => stuck.Task.WaitAsync(TestTimeout));
    }

    [Fact]
    public async Task WriteWithdrawnAtTheDeadline_IsATimeout()
    {
        // The group commit withdraws a queued item with the same token: the wait reports a timeout, not a cancellation.
        var time = new FakeTimeProvider();
        var deadline = StoreHealth.Deadline(time);
        var withdrawn = Task.Delay(Timeout.InfiniteTimeSpan, deadline);
        var waiting = StoreHealth.WaitForWriteAsync(withdrawn, deadline);

        time.Advance(StoreHealth.WriteTimeout + WriteDeadlines.Slice);
        await Assert.ThrowsAsync<TimeoutException>(() => waiting.WaitAsync(TestTimeout));
    }

    [Fact]
    public async Task WriteInTime_ReturnsItsResult_AndItsOwnFailure()
    {
        var time = new FakeTimeProvider();
        var write = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        var waiting = StoreHealth.WaitForWriteAsync(write.Task, StoreHealth.Deadline(time));
        time.Advance(StoreHealth.WriteTimeout - Tick);
        write.SetResult(42);
        Assert.Equal(42, await waiting.WaitAsync(TestTimeout));

        var failing = Task.FromException(new InvalidOperationException("disk"));
        await Assert.ThrowsAsync<InvalidOperationException>(() => StoreHealth.WaitForWriteAsync(failing, StoreHealth.Deadline(time)).WaitAsync(TestTimeout));
    }
}
