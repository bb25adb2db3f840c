using System.Net;
using System.Text;
using Candor.Core.Admission;
using Candor.Core.Configuration;
using Candor.Core.Relay;
using Candor.Core.Routing;
using Candor.Core.Upstream;
using Candor.Protocols.Canonical;
using Candor.Protocols.OpenAI;
using Candor.Providers;
using Candor.UnitTests.Support;

namespace Candor.UnitTests.Core.Relay;

/// <summary>The chat relay without a server, in the manner of YARP's HttpForwarderTests: an in-memory
/// <see cref="ResponsePort"/> for the client and a scripted <see cref="HttpMessageHandler"/> for the upstreams.</summary>
public sealed class ChatRelayTests : IDisposable
{
    private static readonly ProviderRegistry Providers = new(ProviderCatalog.All());
    private static readonly Surface OpenAI = new(WireProtocol.OpenAI, static r => new OpenAIChatClientEncoder(r), OpenAIErrors.Write);
    private static readonly Dictionary<string, string> Env = new() { ["K"] = "upstream-key", ["C"] = "client-key-0123456789" };

    private const string Whole = """
        {"id":"c1","object":"chat.completion","created":1,"model":"x-served","choices":[{"index":0,"message":{"role":"assistant","content":"Hello there"},"finish_reason":"stop"}],"usage":{"prompt_tokens":3,"completion_tokens":2,"total_tokens":5}}
        """;

    private const string Stream = "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"x-served\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"Hello\"},\"finish_reason\":null}]}\n\n"
        + "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"x-served\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\" there\"},\"finish_reason\":\"stop\"}]}\n\n"
        + "data: [DONE]\n\n";

    private const string ServerError = """{"error":{"message":"upstream exploded","type":"server_error"}}""";

    private readonly ScriptedUpstream _upstream = new();
    private readonly UpstreamClients _clients;
    private readonly ChatRelay _relay;
    private readonly RuntimeSnapshot _snapshot;
    private readonly HealthRegistry _health = new(TimeProvider.System);

    public ChatRelayTests()
        : this(serverSettings: "")
    {
    }

    private ChatRelayTests(string serverSettings)
    {
        _clients = new UpstreamClients(_upstream);
        var config = new ConfigLoader(Providers.Names, n => Env.GetValueOrDefault(n)).Load(serverSettings + """
            channels:
              - { id: a, provider: openai, base_url: http://a.test/v1, api_key_env: K }
              - { id: b, provider: openai, base_url: http://b.test/v1, api_key_env: K }
            models:
              - name: m
                deployments:
                  - { channel: a, model: x, priority: 0 }
                  - { channel: b, model: x, priority: 1 }
            keys:
              - { name: t, key_env: C }
            """, "test.yaml");
        _snapshot = RuntimeSnapshot.Build(config, Providers, _clients, KeyHasher.CreateEphemeral());
        var router = new Router(_health, new Random(7));
        _relay = new ChatRelay(new SnapshotHolder(_snapshot), router, new ListLogger<ChatRelay>());
    }

    public void Dispose()
    {
        _clients.Dispose();
        _upstream.Dispose();
    }

    [Fact]
    public async Task WholeAnswer_ClientGetsTheUpstreamsBodyWithRouteHeaders()
    {
        _upstream.Respond = static _ => Answer(HttpStatusCode.OK, "application/json", Whole);
        var port = await RelayAsync(stream: false);

        Assert.Equal(200, port.StatusCode);
        Assert.Equal("application/json", port.Headers["content-type"]);
        Assert.Equal("a", port.Headers[RelayHeaders.Channel]);
        Assert.Equal("1", port.Headers[RelayHeaders.Attempts]);
        Assert.Equal("fast", port.Headers[RelayHeaders.Path]);
        Assert.Equal("x-served", port.Headers[RelayHeaders.ServedModel]);
        Assert.StartsWith("req_", port.Headers[RelayHeaders.RequestId], StringComparison.Ordinal);
        Assert.Equal(Whole, port.Text);

        // The fast path forwards the client's bytes with only the model replaced.
        var (host, body) = Assert.Single(_upstream.Requests);
        Assert.Equal("a.test", host);
        Assert.Contains("\"model\":\"x\"", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StreamedAnswer_EventsRelayedThroughTheEndMarker()
    {
        _upstream.Respond = static _ => Answer(HttpStatusCode.OK, "text/event-stream", Stream);
        var port = await RelayAsync(stream: true);

        Assert.Equal(200, port.StatusCode);
        Assert.StartsWith("text/event-stream", port.Headers["content-type"], StringComparison.Ordinal);
        Assert.Equal("no-cache", port.Headers["cache-control"]);
        Assert.Equal("x-served", port.Headers[RelayHeaders.ServedModel]);
        AssertStreamed(port.Text);
    }

    [Fact]
    public async Task UpstreamFailsBeforeFirstByte_FailsOverToTheNextDeployment()
    {
        _upstream.Respond = static request => request.RequestUri!.Host == "a.test"
            ? Answer(HttpStatusCode.InternalServerError, "application/json", ServerError)
            : Answer(HttpStatusCode.OK, "text/event-stream", Stream);
        var port = await RelayAsync(stream: true);

        Assert.Equal(200, port.StatusCode);
        Assert.Equal("b", port.Headers[RelayHeaders.Channel]);
        Assert.Equal("2", port.Headers[RelayHeaders.Attempts]);
        Assert.Equal(["a.test", "b.test"], _upstream.Requests.Select(static r => r.Host));
        AssertStreamed(port.Text);
        Assert.DoesNotContain("upstream exploded", port.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EveryDeploymentFails_ErrorInTheClientsEnvelope()
    {
        _upstream.Respond = static _ => Answer(HttpStatusCode.InternalServerError, "application/json", ServerError);
        var port = await RelayAsync(stream: false);

        Assert.InRange(port.StatusCode, 500, 599);
        Assert.Equal("application/json", port.Headers["content-type"]);
        Assert.Equal("2", port.Headers[RelayHeaders.Attempts]);
        Assert.Equal(1, port.Flushes);
        using var error = System.Text.Json.JsonDocument.Parse(port.Text);
        Assert.False(string.IsNullOrEmpty(error.RootElement.GetProperty("error").GetProperty("message").GetString()));
        Assert.Equal(2, _upstream.Requests.Count);
    }

    [Fact]
    public async Task UnknownModel_404InTheClientsEnvelope_NothingSentUpstream()
    {
        _upstream.Respond = static _ => throw new InvalidOperationException("no upstream call expected");
        var port = await RelayAsync(stream: false, model: "nope");

        Assert.Equal(404, port.StatusCode);
        Assert.Contains("\"error\"", port.Text, StringComparison.Ordinal);
        Assert.Empty(_upstream.Requests);
    }

    [Fact]
    public async Task StreamEventOverTheResponseLimit_TooLargeInTheStream_NotRetried_NotCountedAgainstTheDeployment()
    {
        // One event of a stream is held whole: server.max_upstream_response_bytes bounds it (at most the parser's 16 MiB),
        // and going over is the client's request asking for too much, as for a whole answer (not a malformed stream).
        using var limited = new ChatRelayTests("server: { max_upstream_response_bytes: 4096 }\n");
        string big = new('x', 8192);
        limited._upstream.Respond = _ => Answer(HttpStatusCode.OK, "text/event-stream",
            "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"x-served\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"Hello\"},\"finish_reason\":null}]}\n\n"
            + "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"" + big + "\"}}]}\n\n");
        var port = await limited.RelayAsync(stream: true);

        Assert.Equal(200, port.StatusCode);
        Assert.Contains("\"Hello\"", port.Text, StringComparison.Ordinal);
        Assert.Contains("too large", port.Text, StringComparison.Ordinal);
        Assert.Contains("4096", port.Text, StringComparison.Ordinal);
        Assert.DoesNotContain("[DONE]", port.Text, StringComparison.Ordinal);
        Assert.Single(limited._upstream.Requests);
        var health = limited._health.DescribeChannel(limited._snapshot, "a")!.Deployments.Single();
        Assert.Equal(0, health.WindowFailures);
    }

    [Fact]
    public async Task UpstreamRefusesTheRequest_NotRetriedOnAnotherDeployment()
    {
        // A 400 would fail anywhere: the attempt loop stops at the first non-retryable failure.
        _upstream.Respond = static _ => Answer(HttpStatusCode.BadRequest, "application/json", """{"error":{"message":"bad","type":"invalid_request_error"}}""");
        var port = await RelayAsync(stream: false);

        Assert.Equal(400, port.StatusCode);
        Assert.Equal("1", port.Headers[RelayHeaders.Attempts]);
        Assert.Single(_upstream.Requests);
    }

    [Fact]
    public async Task AttemptBudgetOfOne_TheSecondDeploymentIsNeverTried()
    {
        using var single = new ChatRelayTests("server: { max_attempts: 1 }\n");
        single._upstream.Respond = static request => request.RequestUri!.Host == "a.test"
            ? Answer(HttpStatusCode.InternalServerError, "application/json", ServerError)
            : Answer(HttpStatusCode.OK, "application/json", Whole);
        var port = await single.RelayAsync(stream: false);

        Assert.InRange(port.StatusCode, 500, 599);
        Assert.Equal("1", port.Headers[RelayHeaders.Attempts]);
        Assert.Equal(["a.test"], single._upstream.Requests.Select(static r => r.Host));
    }

    [Fact]
    public async Task WholeAnswerNotJson_MalformedBeforeTheFirstByte_FailsOver()
    {
        _upstream.Respond = static request => request.RequestUri!.Host == "a.test"
            ? Answer(HttpStatusCode.OK, "text/html", "<html>maintenance</html>")
            : Answer(HttpStatusCode.OK, "application/json", Whole);
        var port = await RelayAsync(stream: false);

        Assert.Equal(200, port.StatusCode);
        Assert.Equal("b", port.Headers[RelayHeaders.Channel]);
        Assert.Equal(Whole, port.Text);
        Assert.DoesNotContain("maintenance", port.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WholeAnswerThatDoesNotDecode_FailsOver()
    {
        _upstream.Respond = static request => request.RequestUri!.Host == "a.test"
            ? Answer(HttpStatusCode.OK, "application/json", "{\"choices\": [")
            : Answer(HttpStatusCode.OK, "application/json", Whole);
        var port = await RelayAsync(stream: false);

        Assert.Equal(200, port.StatusCode);
        Assert.Equal("2", port.Headers[RelayHeaders.Attempts]);
        Assert.Equal(Whole, port.Text);
    }

    [Fact]
    public async Task StreamBreaksAfterTheFirstByte_ErrorEventInTheStream_NoFailover_DeploymentCharged()
    {
        // Committed: the client has the first delta, so nothing is retried; the stream ends with the surface's error
        // event (no end marker) and the break counts against the deployment.
        _upstream.Respond = static _ => Answer(HttpStatusCode.OK, "text/event-stream",
            "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"x-served\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"Hello\"},\"finish_reason\":null}]}\n\n");
        var port = await RelayAsync(stream: true);

        Assert.Equal(200, port.StatusCode);
        Assert.Contains("\"Hello\"", port.Text, StringComparison.Ordinal);
        Assert.Contains("\"error\"", port.Text, StringComparison.Ordinal);
        Assert.DoesNotContain("[DONE]", port.Text, StringComparison.Ordinal);
        Assert.Single(_upstream.Requests);
        var health = _health.DescribeChannel(_snapshot, "a")!.Deployments.Single();
        Assert.Equal(1, health.WindowFailures);
    }

    [Fact]
    public async Task StreamWhoseFirstEventIsAnError_FailsOverBeforeTheFirstByte()
    {
        _upstream.Respond = static request => request.RequestUri!.Host == "a.test"
            ? Answer(HttpStatusCode.OK, "text/event-stream", "data: {\"error\":{\"message\":\"overloaded\",\"type\":\"server_error\"}}\n\n")
            : Answer(HttpStatusCode.OK, "text/event-stream", Stream);
        var port = await RelayAsync(stream: true);

        Assert.Equal("b", port.Headers[RelayHeaders.Channel]);
        AssertStreamed(port.Text);
        Assert.DoesNotContain("overloaded", port.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ClientGoneBeforeTheFirstAttempt_NothingSentNothingWritten()
    {
        _upstream.Respond = static _ => throw new InvalidOperationException("no upstream call expected");
        var port = await RelayAsync(stream: true, abortFirst: true);

        Assert.Empty(_upstream.Requests);
        Assert.Equal(0, port.Flushes);
        Assert.Equal("", port.Text);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Answered_ClientBodyAndPromptReleasedAtTheCommit_NotBefore(bool stream)
    {
        // Nothing but the commit releases a borrowed body: released after the relay means released at the commit. During
        // the send (before the commit) the body and the prompt are still whole.
        var (request, bytes) = Decoded(stream);
        var seen = new List<(bool Released, int Messages)>();
        _upstream.Respond = _ =>
        {
            seen.Add((bytes.IsReleased, request.Messages.Count));
            return stream ? Answer(HttpStatusCode.OK, "text/event-stream", Stream) : Answer(HttpStatusCode.OK, "application/json", Whole);
        };
        var port = new MemoryResponsePort();
        await _relay.RelayAsync(new RelayContext(port, "openai"), OpenAI, request, bytes).WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(200, port.StatusCode);
        Assert.Equal([(false, 1)], seen);
        Assert.True(bytes.IsReleased);
        Assert.Throws<InvalidOperationException>(() => bytes.Memory);
        Assert.Empty(request.Messages);
        Assert.Equal("m", request.Model);
    }

    [Fact]
    public async Task FailoverBeforeTheCommit_ForwardsTheSameBytesAgain_ThenReleases()
    {
        // The first deployment fails before the first byte: the retry reads the client's body again (not released) and
        // forwards the same bytes (model replaced the same way) to the second.
        var (request, bytes) = Decoded(stream: true);
        var seen = new List<bool>();
        _upstream.Respond = r =>
        {
            seen.Add(bytes.IsReleased);
            return r.RequestUri!.Host == "a.test"
                ? Answer(HttpStatusCode.InternalServerError, "application/json", ServerError)
                : Answer(HttpStatusCode.OK, "text/event-stream", Stream);
        };
        var port = new MemoryResponsePort();
        await _relay.RelayAsync(new RelayContext(port, "openai"), OpenAI, request, bytes).WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal("b", port.Headers[RelayHeaders.Channel]);
        Assert.Equal([false, false], seen);
        var sent = _upstream.Requests;
        Assert.Equal(2, sent.Count);
        Assert.Equal(sent[0].Body, sent[1].Body);
        Assert.Contains("\"model\":\"x\"", sent[1].Body, StringComparison.Ordinal);
        Assert.True(bytes.IsReleased);
    }

    [Fact]
    public async Task EveryDeploymentFails_ErrorCommitsAndReleases_AfterBothAttemptsSentTheBody()
    {
        var (request, bytes) = Decoded(stream: false);
        _upstream.Respond = _ => Answer(HttpStatusCode.InternalServerError, "application/json", ServerError);
        var port = new MemoryResponsePort();
        await _relay.RelayAsync(new RelayContext(port, "openai"), OpenAI, request, bytes).WaitAsync(TimeSpan.FromSeconds(10));

        Assert.InRange(port.StatusCode, 500, 599);
        Assert.Equal(2, _upstream.Requests.Count);
        Assert.All(_upstream.Requests, r => Assert.Contains("\"hi\"", r.Body, StringComparison.Ordinal));
        Assert.True(bytes.IsReleased);
    }

    [Fact]
    public async Task SurfaceWhoseEncoderReadsThePrompt_KeepsIt()
    {
        // Anthropic's message_start reports Candor's prompt count after the commit: its surface keeps the messages.
        var reads = new Surface(WireProtocol.OpenAI, static r => new OpenAIChatClientEncoder(r), OpenAIErrors.Write, encoderReadsPrompt: true);
        var (request, bytes) = Decoded(stream: true);
        _upstream.Respond = _ => Answer(HttpStatusCode.OK, "text/event-stream", Stream);
        var port = new MemoryResponsePort();
        await _relay.RelayAsync(new RelayContext(port, "openai"), reads, request, bytes).WaitAsync(TimeSpan.FromSeconds(10));

        AssertStreamed(port.Text);
        Assert.Single(request.Messages);
        Assert.True(bytes.IsReleased);
    }

    private static (ChatRequest Request, RequestBytes Bytes) Decoded(bool stream)
    {
        byte[] body = Encoding.UTF8.GetBytes($$"""{"model":"m","stream":{{(stream ? "true" : "false")}},"messages":[{"role":"user","content":"hi"}]}""");
        Assert.True(OpenAIChatRequestDecoder.TryDecode(body, out var request, out var error), error?.Message);
        return (request, RequestBytes.Borrowed(body));
    }

    private async Task<MemoryResponsePort> RelayAsync(bool stream, string model = "m", bool abortFirst = false)
    {
        byte[] body = Encoding.UTF8.GetBytes($$"""{"model":"{{model}}","stream":{{(stream ? "true" : "false")}},"messages":[{"role":"user","content":"hi"}]}""");
        Assert.True(OpenAIChatRequestDecoder.TryDecode(body, out var request, out var error), error?.Message);
        var port = new MemoryResponsePort();
        var context = new RelayContext(port, "openai");
        if (abortFirst)
        {
            port.Abort();
        }

        await _relay.RelayAsync(context, OpenAI, request, body).WaitAsync(TimeSpan.FromSeconds(10));
        return port;
    }

    /// <summary>The client got both deltas in order, then the end marker last.</summary>
    private static void AssertStreamed(string text)
    {
        int hello = text.IndexOf("\"Hello\"", StringComparison.Ordinal);
        Assert.True(hello >= 0, text);
        Assert.True(text.IndexOf("\" there\"", hello, StringComparison.Ordinal) > hello, text);
        Assert.EndsWith("data: [DONE]\n\n", text, StringComparison.Ordinal);
        Assert.Equal(1, CountOf(text, "[DONE]"));
    }

    private static int CountOf(string text, string value)
    {
        int count = 0;
        for (int i = text.IndexOf(value, StringComparison.Ordinal); i >= 0; i = text.IndexOf(value, i + 1, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }

    private static HttpResponseMessage Answer(HttpStatusCode status, string contentType, string body) =>
        new(status) { Content = new StringContent(body, Encoding.UTF8, contentType) };
}
