using System.Diagnostics;
using System.Text.Json;
using Candor.FunctionalTests.Infrastructure;

namespace Candor.FunctionalTests.Relay;

/// <summary>Failures after the first byte end the stream with the surface's own error event; a client
/// that leaves cancels the upstream work.</summary>
[Collection(CandorCollection.Name)]
public sealed class StreamFaultTests(CandorFixture fixture)
{
    private async Task<List<Sse.Event>> StreamAsync(string path, string body)
    {
        using var client = fixture.CreateClient();
        client.DefaultRequestHeaders.Add("x-api-key", CandorFixture.Key);
        var ct = Json.Timeout();
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = Json.Body(body) };
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
        Assert.Equal(200, (int)response.StatusCode);
        return await Sse.ReadAllAsync(response, ct);
    }

    public static TheoryData<string> Models => CandorFixture.ChatModels;

    [Theory]
    [MemberData(nameof(Models))]
    public async Task UpstreamDisconnectMidStream_OpenAIClientGetsAnErrorChunkWithoutDone(string model)
    {
        var events = await StreamAsync("/v1/chat/completions", $$"""
            {"model":"{{model}}","stream":true,"messages":[{"role":"user","content":"[[emulator:tokens=40;disconnect_after=4]] go"}]}
            """);
        Assert.DoesNotContain(events, e => e.Data == "[DONE]");
        var last = JsonDocument.Parse(events[^1].Data).RootElement;
        Assert.True(last.TryGetProperty("error", out var error));
        Assert.False(string.IsNullOrEmpty(error.GetProperty("message").GetString()));
    }

    [Theory]
    [MemberData(nameof(Models))]
    public async Task UpstreamDisconnectMidStream_AnthropicClientGetsAnErrorEvent(string model)
    {
        var events = await StreamAsync("/v1/messages", $$"""
            {"model":"{{model}}","max_tokens":200,"stream":true,"messages":[{"role":"user","content":"[[emulator:tokens=40;disconnect_after=4]] go"}]}
            """);
        Assert.Equal("message_start", events[0].Type);
        Assert.Equal("error", events[^1].Type);
        Assert.DoesNotContain(events, e => e.Type == "message_stop");
        var error = JsonDocument.Parse(events[^1].Data).RootElement;
        Assert.Equal("error", error.GetProperty("type").GetString());
    }

    [Theory]
    [MemberData(nameof(Models))]
    public async Task MalformedUpstreamEvent_GeminiClientGetsAnErrorEvent(string model)
    {
        var events = await StreamAsync("/v1beta/models/" + model + ":streamGenerateContent?alt=sse", """
            {"contents":[{"role":"user","parts":[{"text":"[[emulator:tokens=40;malformed_sse]] go"}]}]}
            """);
        var last = JsonDocument.Parse(events[^1].Data).RootElement;
        Assert.True(last.TryGetProperty("error", out _));
    }

    [Fact]
    public async Task UpstreamStatusBeforeFirstByte_IsAnErrorResponseNotAStream()
    {
        using var client = fixture.CreateClient();
        var ct = Json.Timeout();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
        {
            Content = Json.Body("""{"model":"m-openai","stream":true,"messages":[{"role":"user","content":"[[emulator:status=503]] go"}]}"""),
        };
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
        Assert.Equal(502, (int)response.StatusCode);
        var body = await Json.ReadAsync(response, ct);
        Assert.Equal("server_error", body.GetProperty("error").GetProperty("type").GetString());
    }

    [Fact]
    public async Task WrongUpstreamContentType_Is502()
    {
        using var client = fixture.CreateClient();
        var ct = Json.Timeout();
        using var response = await client.PostAsync("/v1/chat/completions",
            Json.Body("""{"model":"m-openai","messages":[{"role":"user","content":"[[emulator:wrong_content_type]] go"}]}"""), ct);
        Assert.Equal(502, (int)response.StatusCode);
    }

    [Fact]
    public async Task EchoingUpstreamError_IsNotRelayedToTheClient()
    {
        using var client = fixture.CreateClient();
        var ct = Json.Timeout();
        using var response = await client.PostAsync("/v1/chat/completions",
            Json.Body("""{"model":"m-openai","messages":[{"role":"user","content":"[[emulator:status=400;echo_error]] canary-7f3a9c"}]}"""), ct);
        Assert.Equal(400, (int)response.StatusCode);
        string text = await response.Content.ReadAsStringAsync(ct);
        Assert.DoesNotContain("canary-7f3a9c", text);
    }

    [Fact]
    public async Task ClientDisconnect_CancelsTheUpstreamStreamPromptly()
    {
        using var client = fixture.CreateClient();
        var ct = Json.Timeout();
        var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
        {
            Content = Json.Body("""{"model":"m-openai","stream":true,"messages":[{"role":"user","content":"[[emulator:tokens=400;chunk_ms=50]] go"}]}"""),
        };
        var watch = Stopwatch.StartNew();
        var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
        int seen = 0;
        await foreach (var _ in Sse.ReadAsync(response, ct))
        {
            if (++seen == 3)
            {
                break;
            }
        }

        response.Dispose();
        request.Dispose();

        // The emulator would stream for 20 s; once the client leaves, Candor must stop reading upstream.
        var deadline = Stopwatch.StartNew();
        while (fixture.Emulator.ActiveRequests > 0 && deadline.Elapsed < TimeSpan.FromSeconds(5))
        {
            await Task.Delay(50, ct);
        }

        Assert.Equal(0, fixture.Emulator.ActiveRequests);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task UpstreamSilentLongerThanIdleTimeout_EndsTheStreamWithATimeoutError()
    {
        var events = await StreamAsync("/v1/chat/completions", """
            {"model":"m-idle","stream":true,"messages":[{"role":"user","content":"[[emulator:tokens=6;chunk_ms=1500]] go"}]}
            """);
        var last = JsonDocument.Parse(events[^1].Data).RootElement;
        Assert.Contains("timed out", last.GetProperty("error").GetProperty("message").GetString());
        Assert.DoesNotContain(events, e => e.Data == "[DONE]");
    }
}
