using System.IO.Pipelines;
using Candor.Core.Relay;
using Microsoft.Extensions.Time.Testing;

namespace Candor.UnitTests.Core.Relay;

/// <summary>The upstream body's idle timeout: the first read stays under the first-byte timeout the caller armed, every
/// later read re-arms the timer with the idle limit, and a read that waits past the limit is cancelled.</summary>
public sealed class IdleTimeoutStreamTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task FirstRead_KeepsTheFirstByteTimeout_LaterReadsReArmTheIdleLimit()
    {
        var time = new FakeTimeProvider();
        using var timer = new CancellationTokenSource(TimeSpan.FromSeconds(30), time);
        var pipe = new Pipe();
        await using var stream = new IdleTimeoutStream(pipe.Reader.AsStream(), timer, TimeSpan.FromSeconds(2));
        var buffer = new byte[16];

        await pipe.Writer.WriteAsync("a"u8.ToArray());
        Assert.Equal(1, await stream.ReadAsync(buffer, timer.Token).AsTask().WaitAsync(Wait));

        // The first read re-armed nothing: 5 s after it is within the first-byte timeout (30 s), past the idle limit.
        time.Advance(TimeSpan.FromSeconds(5));
        Assert.False(timer.IsCancellationRequested);

        // The second read re-arms the idle limit; data within it, then a third read re-arms it again.
        var second = stream.ReadAsync(buffer, timer.Token).AsTask();
        time.Advance(TimeSpan.FromSeconds(1.5));
        Assert.False(second.IsCompleted);
        await pipe.Writer.WriteAsync("bc"u8.ToArray());
        Assert.Equal(2, await second.WaitAsync(Wait));

        var third = stream.ReadAsync(buffer, timer.Token).AsTask();
        time.Advance(TimeSpan.FromSeconds(1.9));
        Assert.False(timer.IsCancellationRequested);
        Assert.False(third.IsCompleted);

        // Silence reaches the idle limit: the waiting read is cancelled.
        time.Advance(TimeSpan.FromSeconds(0.1));
        Assert.True(timer.IsCancellationRequested);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => third.WaitAsync(Wait));
    }

    [Fact]
    public async Task SilentFromTheStart_IsCancelledByTheFirstByteTimeoutOnly()
    {
        var time = new FakeTimeProvider();
        using var timer = new CancellationTokenSource(TimeSpan.FromSeconds(30), time);
        var pipe = new Pipe();
        await using var stream = new IdleTimeoutStream(pipe.Reader.AsStream(), timer, TimeSpan.FromSeconds(2));
        var first = stream.ReadAsync(new byte[16], timer.Token).AsTask();

        time.Advance(TimeSpan.FromSeconds(29));
        Assert.False(first.IsCompleted);
        time.Advance(TimeSpan.FromSeconds(1));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => first.WaitAsync(Wait));
    }
}
