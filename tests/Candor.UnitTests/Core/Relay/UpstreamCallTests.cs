using System.Net;
using System.Text;
using System.Text.Json;
using Candor.Core.Relay;
using Candor.Core.Routing;
using Candor.Protocols.Buffers;
using Candor.Protocols.Canonical;
using Candor.Protocols.Codecs;
using Candor.UnitTests.Support;

namespace Candor.UnitTests.Core.Relay;

/// <summary>The one upstream caller: its classifier (every exception kind, sending and reading), the bounded read
/// (the limit exactly, one byte over, cancellation), the timer (first byte capped by the deadline, idle after it) and
/// the send through a fake upstream.</summary>
public sealed class UpstreamCallTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(10);
    private const string Reading = UpstreamCall.ReadingTheResponse;

    public static TheoryData<Exception, string?, UpstreamFailure, RelayErrorKind, int, bool> Kinds() => new()
    {
        // Sending (no response yet).
        { new TaskCanceledException(), null, UpstreamFailure.Timeout, RelayErrorKind.UpstreamTimeout, 504, true },
        { new HttpRequestException(HttpRequestError.ConnectionError, "refused"), null, UpstreamFailure.Connect, RelayErrorKind.UpstreamUnavailable, 502, true },
        { new IOException("reset"), null, UpstreamFailure.Connect, RelayErrorKind.UpstreamUnavailable, 502, true },
        { new InvalidDataException(), null, UpstreamFailure.Malformed, RelayErrorKind.UpstreamError, 502, true },

        // Reading an answer.
        { new OperationCanceledException(), Reading, UpstreamFailure.Timeout, RelayErrorKind.UpstreamTimeout, 504, true },
        { new UpstreamResponseTooLargeException(4096), Reading, UpstreamFailure.ResponseTooLarge, RelayErrorKind.UpstreamError, 502, false },
        { new IOException("cut"), Reading, UpstreamFailure.ServerError, RelayErrorKind.UpstreamUnavailable, 502, true },
        { new HttpRequestException("cut"), Reading, UpstreamFailure.ServerError, RelayErrorKind.UpstreamUnavailable, 502, true },
        { new JsonException(), Reading, UpstreamFailure.Malformed, RelayErrorKind.UpstreamError, 502, true },
        { new InvalidDataException(), Reading, UpstreamFailure.Malformed, RelayErrorKind.UpstreamError, 502, true },
        { new FormatException(), Reading, UpstreamFailure.Malformed, RelayErrorKind.UpstreamError, 502, true },
    };

    [Theory]
    [MemberData(nameof(Kinds))]
    public void EveryExceptionKind_HasOneClassification(Exception e, string? phase, UpstreamFailure failure, RelayErrorKind kind, int status, bool retryable)
    {
        Assert.True(UpstreamCall.IsReadFailure(e));
        var outcome = UpstreamCall.Classify(e, phase, CancellationToken.None);
        Assert.False(outcome.Answered);
        Assert.Equal(failure, outcome.Failure);
        Assert.Equal(kind, outcome.Error!.Kind);
        Assert.Equal(status, outcome.Error.StatusCode);
        Assert.Equal(retryable, outcome.Retryable);
        if (phase is not null)
        {
            Assert.Equal(outcome.Error.Message, UpstreamCall.ReadFailure(e, phase, CancellationToken.None)!.Message);
            Assert.Equal(outcome.Failure, UpstreamCall.FailedRead(e, phase, CancellationToken.None).Failure);
        }

        Assert.DoesNotContain("refused", outcome.Error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("cut", outcome.Error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null)]
    [InlineData(Reading)]
    public void ClientGone_IsDone_WithNobodyToAnswer(string? phase)
    {
        using var aborted = new CancellationTokenSource();
        aborted.Cancel();
        var outcome = UpstreamCall.Classify(new OperationCanceledException(aborted.Token), phase, aborted.Token);
        Assert.True(outcome.Answered);
        Assert.Null(outcome.Error);

        // Any other failure while the client is gone is still classified (the relay answers nobody anyway).
        Assert.Equal(UpstreamFailure.Malformed, UpstreamCall.Classify(new JsonException(), phase, aborted.Token).Failure);
    }

    [Fact]
    public void Bugs_AreNotUpstreamFailures()
    {
        Assert.False(UpstreamCall.IsReadFailure(new InvalidOperationException()));
        Assert.False(UpstreamCall.IsReadFailure(new NullReferenceException()));
        Assert.False(UpstreamCall.IsReadFailure(new ArgumentException()));
    }

    [Theory]
    [InlineData(4096, 4096, true)]
    [InlineData(4097, 4096, false)]
    [InlineData(1, 0, false)]
    [InlineData(0, 0, true)]
    [InlineData(20_000, 20_000, true)]
    [InlineData(20_001, 20_000, false)]
    public async Task BoundedRead_TheLimitExactly_IsRead_OneByteOver_IsTooLarge(int size, int limit, bool read)
    {
        using var body = new PooledBufferWriter(16);
        using var source = new MemoryStream(new byte[size]);
        var task = UpstreamCall.ReadBoundedAsync(source, body, limit, CancellationToken.None).WaitAsync(Limit);
        if (read)
        {
            await task;
            Assert.Equal(size, body.WrittenCount);
        }
        else
        {
            var e = await Assert.ThrowsAsync<UpstreamResponseTooLargeException>(() => task);
            Assert.Equal(limit, e.Limit);
        }
    }

    [Fact]
    public async Task BoundedRead_Cancelled_StopsWithCancellation_AndClassifiesAsTimeout()
    {
        using var body = new PooledBufferWriter(16);
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));
        using var source = new ScriptedStream([(TimeSpan.Zero, [1, 2, 3]), (TimeSpan.FromMinutes(5), [4])]);
        var e = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => UpstreamCall.ReadBoundedAsync(source, body, 1024, cancel.Token).WaitAsync(Limit));
        Assert.Equal(3, body.WrittenCount);
        Assert.Equal(UpstreamFailure.Timeout, UpstreamCall.Classify(e, Reading, CancellationToken.None).Failure);
    }

    [Fact]
    public async Task StartTimer_DeadlineSoonerThanFirstByte_FiresAtTheDeadline()
    {
        using var timer = UpstreamCall.StartTimer(TimeSpan.FromHours(1), CancellationToken.None, TimeSpan.FromMilliseconds(50));
        await Task.Delay(Timeout.Infinite, timer.Token).ContinueWith(static _ => { }, TaskScheduler.Default).WaitAsync(Limit);
        Assert.True(timer.IsCancellationRequested);
    }

    [Fact]
    public async Task StartTimer_FirstByteSoonerThanDeadline_FiresAtTheFirstByte_AndFollowsTheClient()
    {
        using (var timer = UpstreamCall.StartTimer(TimeSpan.FromMilliseconds(50), CancellationToken.None, TimeSpan.FromHours(1)))
        {
            await Task.Delay(Timeout.Infinite, timer.Token).ContinueWith(static _ => { }, TaskScheduler.Default).WaitAsync(Limit);
        }

        using var client = new CancellationTokenSource();
        using var linked = UpstreamCall.StartTimer(TimeSpan.FromHours(1), client.Token);
        Assert.False(linked.IsCancellationRequested);
        await client.CancelAsync();
        Assert.True(linked.IsCancellationRequested);
    }

    [Fact]
    public async Task ReadJson_AnswerLongerThanTheFirstByteTimeout_ButNeverIdle_IsRead()
    {
        // First byte due within 500 ms (it comes at once), then at most 5 s of silence: seven more chunks 200 ms apart
        // take 1.4 s in all, well past the first-byte timeout.
        var chunks = Enumerable.Range(0, 8).Select(i => (TimeSpan.FromMilliseconds(i == 0 ? 0 : 200), new[] { (byte)'a' })).ToList();
        using var response = FakeUpstream.Json(new ScriptedStream(chunks));
        using var timer = UpstreamCall.StartTimer(TimeSpan.FromMilliseconds(500), CancellationToken.None);
        var (body, failure) = await UpstreamCall.ReadJsonAsync(response, timer, TimeSpan.FromSeconds(5), 1024, CancellationToken.None).AsTask().WaitAsync(Limit);
        using (body)
        {
            Assert.Null(failure.Error);
            Assert.Equal("aaaaaaaa", Encoding.ASCII.GetString(body!.WrittenSpan));
        }
    }

    [Fact]
    public async Task ReadJson_SilenceLongerThanIdle_IsATimeout()
    {
        using var response = FakeUpstream.Json(new ScriptedStream([(TimeSpan.Zero, [(byte)'{']), (TimeSpan.FromMinutes(5), [(byte)'}'])]));
        using var timer = UpstreamCall.StartTimer(TimeSpan.FromSeconds(30), CancellationToken.None);
        var (body, failure) = await UpstreamCall.ReadJsonAsync(response, timer, TimeSpan.FromMilliseconds(100), 1024, CancellationToken.None).AsTask().WaitAsync(Limit);
        Assert.Null(body);
        Assert.Equal(UpstreamFailure.Timeout, failure.Failure);
        Assert.Contains("while reading the response", failure.Error!.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReadJson_OverTheConfiguredLimit_IsTooLarge_AndTheCutIsAServerError()
    {
        using (var big = FakeUpstream.Json(new string(' ', 2049)))
        using (var timer = UpstreamCall.StartTimer(TimeSpan.FromSeconds(30), CancellationToken.None))
        {
            var (body, failure) = await UpstreamCall.ReadJsonAsync(big, timer, TimeSpan.FromSeconds(30), 2048, CancellationToken.None).AsTask().WaitAsync(Limit);
            Assert.Null(body);
            Assert.Equal(UpstreamFailure.ResponseTooLarge, failure.Failure);
            Assert.Contains("2048", failure.Error!.Message, StringComparison.Ordinal);
        }

        using var cut = FakeUpstream.Json(new ScriptedStream([(TimeSpan.Zero, [(byte)'{'])], new IOException("reset by peer")));
        using var again = UpstreamCall.StartTimer(TimeSpan.FromSeconds(30), CancellationToken.None);
        var (none, lost) = await UpstreamCall.ReadJsonAsync(cut, again, TimeSpan.FromSeconds(30), 2048, CancellationToken.None).AsTask().WaitAsync(Limit);
        Assert.Null(none);
        Assert.Equal(UpstreamFailure.ServerError, lost.Failure);
        Assert.True(lost.Retryable);
    }

    [Theory]
    [InlineData("application/json", true, false)]
    [InlineData("application/json; charset=utf-8", true, false)]
    [InlineData(" Application/JSON ;charset=utf-8", true, false)]
    [InlineData("application/problem+json", true, false)]
    [InlineData("text/event-stream", false, true)]
    [InlineData("TEXT/EVENT-STREAM; charset=utf-8", false, true)]
    [InlineData("text/event-streams", false, false)]
    [InlineData("text/html; charset=json", false, false)]
    [InlineData("", false, false)]
    [InlineData(null, false, false)]
    public void ContentType_ReadFromTheHeaderAsReceived(string? contentType, bool json, bool eventStream)
    {
        using var response = new HttpResponseMessage(HttpStatusCode.OK) { Content = new ByteArrayContent([]) };
        if (contentType is not null)
        {
            Assert.True(response.Content.Headers.TryAddWithoutValidation("Content-Type", contentType));
        }

        Assert.Equal(json, UpstreamCall.IsJson(response));
        Assert.Equal(eventStream, UpstreamCall.IsEventStream(response));
    }

    [Fact]
    public async Task Send_HandlerThrowsIOException_IsAConnectFailure_NotAnEscapedException()
    {
        using var upstream = new FakeUpstream((_, _) => throw new IOException("connection reset"));
        var channel = upstream.Channel();
        using var request = new HttpRequestMessage(HttpMethod.Post, "http://upstream.invalid/v1/chat/completions");
        using var timer = UpstreamCall.StartTimer(TimeSpan.FromSeconds(30), CancellationToken.None);
        var (response, failure, status) = await UpstreamCall.SendAsync(channel, request, timer, CancellationToken.None).WaitAsync(Limit);
        Assert.Null(response);
        Assert.Null(status);
        Assert.Equal(UpstreamFailure.Connect, failure.Failure);
        Assert.True(failure.Retryable);
    }

    [Fact]
    public async Task Send_NoHeadersBeforeTheTimer_IsATimeout_AndAClientThatLeft_IsDone()
    {
        using var upstream = new FakeUpstream(async (_, ct) =>
        {
            await Task.Delay(Timeout.Infinite, ct);
            throw new InvalidOperationException("unreachable");
        });
        var channel = upstream.Channel();
        using (var request = new HttpRequestMessage(HttpMethod.Post, "http://upstream.invalid/v1/chat/completions"))
        using (var timer = UpstreamCall.StartTimer(TimeSpan.FromMilliseconds(100), CancellationToken.None))
        {
            var (response, failure, _) = await UpstreamCall.SendAsync(channel, request, timer, CancellationToken.None).WaitAsync(Limit);
            Assert.Null(response);
            Assert.Equal(UpstreamFailure.Timeout, failure.Failure);
            Assert.Contains("first-byte", failure.Error!.Message, StringComparison.Ordinal);
        }

        using var client = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));
        using var second = new HttpRequestMessage(HttpMethod.Post, "http://upstream.invalid/v1/chat/completions");
        using var longTimer = UpstreamCall.StartTimer(TimeSpan.FromHours(1), client.Token);
        var (none, done, _) = await UpstreamCall.SendAsync(channel, second, longTimer, client.Token).WaitAsync(Limit);
        Assert.Null(none);
        Assert.True(done.Answered);
        Assert.Null(done.Error);
    }

    [Fact]
    public async Task Send_ErrorStatus_IsClassified_WithTheUpstreamStatus()
    {
        using var upstream = new FakeUpstream((_, _) =>
        {
            var response = FakeUpstream.Json("""{"error":{"message":"echo of the prompt","type":"server_error"}}""", HttpStatusCode.ServiceUnavailable);
            response.Headers.RetryAfter = new(TimeSpan.FromSeconds(7));
            return Task.FromResult(response);
        });
        var channel = upstream.Channel();
        using var request = new HttpRequestMessage(HttpMethod.Post, "http://upstream.invalid/v1/chat/completions");
        using var timer = UpstreamCall.StartTimer(TimeSpan.FromSeconds(30), CancellationToken.None);
        var (response, failure, status) = await UpstreamCall.SendAsync(channel, request, timer, CancellationToken.None).WaitAsync(Limit);
        Assert.Null(response);
        Assert.Equal(503, status);
        Assert.Equal(UpstreamFailure.ServerError, failure.Failure);
        Assert.Equal(7, failure.Error!.RetryAfterSeconds);
        Assert.DoesNotContain("echo", failure.Error.Message, StringComparison.Ordinal);
    }
}
