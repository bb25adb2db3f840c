using System.Buffers;
using System.IO.Pipelines;
using Candor.Core.Relay;

namespace Candor.UnitTests.Core.Relay;

/// <summary>An upstream that always has the next event ready still gets the client's pipe flushed (and so
/// backpressure) at least every 64 KB or 64 events.</summary>
public sealed class BurstFlushTests
{
    [Fact]
    public void NextNotReady_FlushesAtOnce()
    {
        var burst = default(BurstFlush);
        var pipe = new Pipe().Writer;
        Assert.True(burst.ShouldFlush(nextReady: false, pipe));
        Assert.True(burst.ShouldFlush(nextReady: false, pipe));
    }

    [Fact]
    public async Task AlwaysReady_SmallEvents_FlushEvery64Events()
    {
        var burst = default(BurstFlush);
        var pipe = new Pipe().Writer;
        var flushedAt = new List<int>();
        for (int i = 1; i <= 200; i++)
        {
            pipe.Write("data: x\n\n"u8);
            if (burst.ShouldFlush(nextReady: true, pipe))
            {
                flushedAt.Add(i);
                await pipe.FlushAsync();
            }
        }

        Assert.Equal([64, 128, 192], flushedAt);
    }

    [Fact]
    public async Task AlwaysReady_LargeEvents_FlushEvery64KB()
    {
        var burst = default(BurstFlush);
        var reader = new Pipe(new PipeOptions(pauseWriterThreshold: 0));
        var pipe = reader.Writer;
        var chunk = new byte[20 * 1024];
        var flushedAt = new List<int>();
        for (int i = 1; i <= 10; i++)
        {
            pipe.Write(chunk);
            if (burst.ShouldFlush(nextReady: true, pipe))
            {
                flushedAt.Add(i);
                await pipe.FlushAsync();
            }
        }

        Assert.Equal([4, 8], flushedAt); // 80 KB ≥ 64 KB after the 4th event
    }
}
