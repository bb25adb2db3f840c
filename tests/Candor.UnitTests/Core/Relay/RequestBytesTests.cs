using System.Net;
using System.Text;
using Candor.Core.Relay;
using Candor.Protocols.Buffers;

namespace Candor.UnitTests.Core.Relay;

/// <summary>A request body's ownership: read by its owner until released, held by a send that may outlive the release,
/// returned once.</summary>
public sealed class RequestBytesTests
{
    [Fact]
    public void Released_ReadingThrows_SecondReleaseDoesNothing_LengthStays()
    {
        var bytes = new RequestBytes(Written("hello"));
        Assert.Equal("hello", Encoding.UTF8.GetString(bytes.Memory.Span));

        bytes.Release();
        bytes.Release();

        Assert.True(bytes.IsReleased);
        Assert.Equal(5, bytes.Length);
        Assert.Throws<InvalidOperationException>(() => bytes.Memory);
        Assert.False(bytes.TryHold());

        // The buffer went back once: one more end would be a second return, and is refused.
        Assert.Throws<InvalidOperationException>(bytes.EndHold);
    }

    [Fact]
    public void TheBudget_IsToldOnce_WhenTheLastHoldEnds_NotAtTheRelease()
    {
        var budget = new CountingBudget();
        var bytes = new RequestBytes(Written("the prompt"), budget);
        Assert.True(bytes.TryHold());

        bytes.Release();
        Assert.Equal(0, budget.Returned);

        bytes.EndHold();
        Assert.Equal(1, budget.Returned);
        bytes.Release();
        Assert.Equal(1, budget.Returned);
    }

    [Fact]
    public void HeldAcrossTheRelease_StillReadable_UntilTheHoldEnds()
    {
        var bytes = new RequestBytes(Written("the prompt"));
        Assert.True(bytes.TryHold());

        bytes.Release();

        Assert.Throws<InvalidOperationException>(() => bytes.Memory);
        Assert.Equal("the prompt", Encoding.UTF8.GetString(bytes.HeldMemory.Span));
        Assert.False(bytes.TryHold());
        bytes.EndHold();
        Assert.Throws<InvalidOperationException>(bytes.EndHold);
    }

    [Fact]
    public async Task ContentSendingWhenReleased_SendsEveryByte_ThenReturns()
    {
        // HTTP/2 may still be sending when the commit releases the body: the send holds it until it has written it.
        var bytes = new RequestBytes(Written("{\"model\":\"x\"}"));
        using var content = new RequestBytesContent(bytes);
        using var slow = new GatedStream();
        var send = content.CopyToAsync(slow);
        await slow.Entered.Task.WaitAsync(TimeSpan.FromSeconds(10));

        bytes.Release();
        slow.Gate.SetResult();
        await send.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal("{\"model\":\"x\"}", Encoding.UTF8.GetString(slow.ToArray()));
        Assert.Throws<InvalidOperationException>(bytes.EndHold);
    }

    [Fact]
    public async Task ContentSentAfterTheRelease_Fails_NothingWritten()
    {
        var bytes = new RequestBytes(Written("secret"));
        using var content = new RequestBytesContent(bytes);
        Assert.Equal(6, content.Headers.ContentLength);
        bytes.Release();

        using var sink = new MemoryStream();
        await Assert.ThrowsAnyAsync<InvalidOperationException>(() => content.CopyToAsync(sink)).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(0, sink.Length);
    }

    [Fact]
    public void Borrowed_ReleasedLikeAnyOther_NothingReturned()
    {
        byte[] own = Encoding.UTF8.GetBytes("mine");
        var bytes = RequestBytes.Borrowed(own);
        bytes.Release();

        Assert.Throws<InvalidOperationException>(() => bytes.Memory);
        Assert.Equal("mine", Encoding.UTF8.GetString(own));
    }

    private static PooledBufferWriter Written(string text)
    {
        var writer = new PooledBufferWriter(16);
        writer.Write(Encoding.UTF8.GetBytes(text));
        return writer;
    }

    /// <summary>A stream whose writes wait for <see cref="Gate"/> after signalling <see cref="Entered"/>.</summary>
    private sealed class GatedStream : MemoryStream
    {
        public TaskCompletionSource Entered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Gate { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            Entered.TrySetResult();
            await Gate.Task.ConfigureAwait(false);
            await base.WriteAsync(buffer, cancellationToken).ConfigureAwait(false);
        }
    }

    private sealed class CountingBudget : IBodyBudget
    {
        public int Returned { get; private set; }

        public void BodyReturned() => Returned++;
    }
}
