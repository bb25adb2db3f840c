using System.Net;
using Candor.Core.Channels;
using Candor.UnitTests.Support;

namespace Candor.UnitTests.Core.Channels;

/// <summary>The channel tester goes through the one upstream caller: the configured response limit, the error classes
/// of docs/channels.md, and the upstream status when one arrived.</summary>
public sealed class ChannelTesterTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Answer_IsOk_WithTheServedModel()
    {
        using var upstream = new FakeUpstream((_, _) => Task.FromResult(FakeUpstream.Json(FakeUpstream.Completion("OK"))));
        var result = await ChannelTester.RunAsync(upstream.Channel(), "gpt-4o-mini", 64 * 1024, CancellationToken.None).WaitAsync(Limit);
        Assert.True(result.Ok, result.ErrorMessage);
        Assert.Equal(200, result.UpstreamStatus);
        Assert.Equal("gpt-4o-mini", result.ServedModel);
    }

    [Fact]
    public async Task AnswerOverTheConfiguredLimit_Fails_EvenUnderTheOldFixedMebibyte()
    {
        string padded = FakeUpstream.Completion("OK" + new string(' ', 4096));
        using var upstream = new FakeUpstream((_, _) => Task.FromResult(FakeUpstream.Json(padded)));
        var result = await ChannelTester.RunAsync(upstream.Channel(), "gpt-4o-mini", padded.Length - 1, CancellationToken.None).WaitAsync(Limit);
        Assert.False(result.Ok);
        Assert.Equal(200, result.UpstreamStatus);
        Assert.Equal("malformed", result.ErrorClass);
        Assert.Contains("too large", result.ErrorMessage, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(HttpStatusCode.Unauthorized, "auth")]
    [InlineData(HttpStatusCode.NotFound, "not_found")]
    [InlineData(HttpStatusCode.TooManyRequests, "rate_limited")]
    [InlineData(HttpStatusCode.BadRequest, "bad_request")]
    [InlineData(HttpStatusCode.GatewayTimeout, "timeout")]
    [InlineData(HttpStatusCode.InternalServerError, "upstream_error")]
    public async Task ErrorStatus_IsClassified_WithTheStatus(HttpStatusCode status, string expected)
    {
        using var upstream = new FakeUpstream((_, _) => Task.FromResult(FakeUpstream.Json("""{"error":{"message":"prompt echo"}}""", status)));
        var result = await ChannelTester.RunAsync(upstream.Channel(), "gpt-4o-mini", 64 * 1024, CancellationToken.None).WaitAsync(Limit);
        Assert.False(result.Ok);
        Assert.Equal((int)status, result.UpstreamStatus);
        Assert.Equal(expected, result.ErrorClass);
        Assert.DoesNotContain("echo", result.ErrorMessage, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NoConnection_IsConnect_AndSilence_IsTimeout_WithoutAStatus()
    {
        using (var refused = new FakeUpstream((_, _) => throw new HttpRequestException(HttpRequestError.ConnectionError, "refused")))
        {
            var result = await ChannelTester.RunAsync(refused.Channel(), "gpt-4o-mini", 64 * 1024, CancellationToken.None).WaitAsync(Limit);
            Assert.Equal(("connect", (int?)null), (result.ErrorClass, result.UpstreamStatus));
        }

        using var silent = new FakeUpstream(async (_, ct) =>
        {
            await Task.Delay(Timeout.Infinite, ct);
            throw new InvalidOperationException("unreachable");
        });
        var timedOut = await ChannelTester.RunAsync(silent.Channel(firstByte: TimeSpan.FromMilliseconds(100)), "gpt-4o-mini", 64 * 1024, CancellationToken.None).WaitAsync(Limit);
        Assert.Equal(("timeout", (int?)null), (timedOut.ErrorClass, timedOut.UpstreamStatus));
    }

    [Fact]
    public async Task NotTheProtocol_IsMalformed()
    {
        using var upstream = new FakeUpstream((_, _) => Task.FromResult(FakeUpstream.Json("<html>hello</html>")));
        var result = await ChannelTester.RunAsync(upstream.Channel(), "gpt-4o-mini", 64 * 1024, CancellationToken.None).WaitAsync(Limit);
        Assert.Equal(("malformed", (int?)200), (result.ErrorClass, result.UpstreamStatus));
    }
}
