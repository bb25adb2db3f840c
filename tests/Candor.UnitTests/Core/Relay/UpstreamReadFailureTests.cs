using Candor.Core.Relay;
using Candor.Core.Routing;
using Candor.Protocols.Buffers;

namespace Candor.UnitTests.Core.Relay;

public sealed class UpstreamReadFailureTests
{
    [Fact]
    public async Task BodyOverTheLimit_IsResponseTooLarge_NotRetried_NotCountedAgainstHealth()
    {
        using var body = new PooledBufferWriter(1024);
        using var source = new MemoryStream(new byte[10_000]);
        var e = await Assert.ThrowsAnyAsync<IOException>(() => UpstreamCall.ReadBoundedAsync(source, body, 4096, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.True(UpstreamCall.IsReadFailure(e));

        var outcome = UpstreamCall.FailedRead(e, "while reading the response", CancellationToken.None);
        Assert.Equal(UpstreamFailure.ResponseTooLarge, outcome.Failure);
        Assert.False(outcome.Retryable);
        Assert.False(FailureClassifier.CountsAgainstHealth(outcome.Failure));
        Assert.Equal(502, outcome.Error!.StatusCode);
        Assert.Contains("too large", outcome.Error.Message, StringComparison.Ordinal);
        Assert.Contains("4096", outcome.Error.Message, StringComparison.Ordinal);
        Assert.Equal("response_too_large", FailureClassifier.Name(outcome.Failure));
    }

    [Fact]
    public async Task BodyAtTheLimit_IsRead()
    {
        using var body = new PooledBufferWriter(1024);
        using var source = new MemoryStream(new byte[4096]);
        await UpstreamCall.ReadBoundedAsync(source, body, 4096, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(4096, body.WrittenCount);
    }

    [Theory]
    [InlineData(typeof(IOException), UpstreamFailure.ServerError)]
    [InlineData(typeof(InvalidDataException), UpstreamFailure.Malformed)]
    [InlineData(typeof(System.Text.Json.JsonException), UpstreamFailure.Malformed)]
    public void OtherReadFailures_AreRetriedAndCounted(Type type, UpstreamFailure expected)
    {
        var outcome = UpstreamCall.FailedRead((Exception)Activator.CreateInstance(type)!, "while reading the response", CancellationToken.None);
        Assert.Equal(expected, outcome.Failure);
        Assert.True(outcome.Retryable);
        Assert.True(FailureClassifier.CountsAgainstHealth(outcome.Failure));
    }
}
