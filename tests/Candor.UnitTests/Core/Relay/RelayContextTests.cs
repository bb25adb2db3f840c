using Candor.Core.Relay;
using Candor.UnitTests.Support;

namespace Candor.UnitTests.Core.Relay;

public sealed class RelayContextTests
{
    [Fact]
    public void PendingHeaders_ReachThePortOnlyAtCommit_LastValueWins()
    {
        var port = new MemoryResponsePort();
        var context = new RelayContext(port, "openai");
        context.SetHeader("x-one", "first");
        context.SetHeader("X-One", "second");
        context.SetHeader("x-gone", "withdrawn");
        context.RemoveHeader("x-gone");

        // Only the request id is on the response before the commit.
        Assert.Equal([RelayHeaders.RequestId], port.Headers.Keys);
        Assert.False(context.IsCommitted);

        context.Commit(201, "application/json");
        Assert.Equal(201, port.StatusCode);
        Assert.Equal("second", port.Headers["x-one"]);
        Assert.Equal("application/json", port.Headers["content-type"]);
        Assert.False(port.Headers.ContainsKey("x-gone"));
    }

    [Fact]
    public async Task AfterCommit_HeadersGoThroughUntilTheResponseStarts_ThenAreDropped()
    {
        var port = new MemoryResponsePort();
        var context = new RelayContext(port, "openai");
        context.Commit(200, "text/event-stream");
        context.SetHeader("x-late", "1");
        Assert.Equal("1", port.Headers["x-late"]);

        // A second commit (an answer that became a 503 before its bytes went out) sets the status again.
        context.Commit(503, "application/json");
        Assert.Equal(503, port.StatusCode);

        await port.Body.FlushAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10));
        context.SetHeader("x-too-late", "1");
        context.RemoveHeader("x-late");
        Assert.False(port.Headers.ContainsKey("x-too-late"));
        Assert.Equal("1", port.Headers["x-late"]);
    }
}
