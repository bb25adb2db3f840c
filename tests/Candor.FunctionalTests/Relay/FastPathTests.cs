using System.Text.Json;
using Candor.FunctionalTests.Infrastructure;

namespace Candor.FunctionalTests.Relay;

/// <summary>Same-protocol requests are relayed as bytes with only the model rewritten; cross-protocol
/// requests are translated. The emulator's journal shows what actually left Candor.</summary>
[Collection(CandorCollection.Name)]
public sealed class FastPathTests(CandorFixture fixture)
{
    [Fact]
    public async Task OpenAIToOpenAI_RelaysTheClientBytesWithOnlyTheModelRewritten()
    {
        using var client = fixture.CreateClient();
        var ct = Json.Timeout();
        const string body = """{"messages":[{"role":"user","content":"hi"}],"model":"m-openai","logit_bias":{"50256":-100},"x_vendor_extension":{"keep":[1,"two",null]},"max_tokens":20}""";
        using var response = await client.PostAsync("/v1/chat/completions", Json.Body(body), ct);
        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal("fast", response.Headers.GetValues("x-candor-path").Single());
        var sent = fixture.Emulator.Journal.Last!;
        Assert.Equal("/v1/chat/completions", sent.Path);
        Assert.Equal(body.Replace("\"m-openai\"", "\"gpt-4o-mini\"", StringComparison.Ordinal), sent.BodyText);
        Assert.Equal("Bearer upstream-secret", sent.Header("authorization"));
    }

    [Fact]
    public async Task AnthropicToAnthropic_IsFastAndForwardsBetaHeaders()
    {
        using var client = fixture.CreateClient(key: null);
        client.DefaultRequestHeaders.Add("x-api-key", CandorFixture.Key);
        client.DefaultRequestHeaders.Add("anthropic-beta", "prompt-caching-2024-07-31");
        var ct = Json.Timeout();
        const string body = """{"model":"m-anthropic","max_tokens":32,"service_tier":"auto","messages":[{"role":"user","content":"hi"}]}""";
        using var response = await client.PostAsync("/v1/messages", Json.Body(body), ct);
        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal("fast", response.Headers.GetValues("x-candor-path").Single());
        var sent = fixture.Emulator.Journal.Last!;
        Assert.Equal(body.Replace("m-anthropic", "claude-sonnet-4-5", StringComparison.Ordinal), sent.BodyText);
        Assert.Equal("prompt-caching-2024-07-31", sent.Header("anthropic-beta"));
        Assert.Equal("upstream-secret", sent.Header("x-api-key"));
        Assert.Equal("2023-06-01", sent.Header("anthropic-version"));
    }

    [Fact]
    public async Task GeminiToGemini_IsFastWithTheUpstreamModelInTheUrl()
    {
        using var client = fixture.CreateClient(key: null);
        client.DefaultRequestHeaders.Add("x-goog-api-key", CandorFixture.Key);
        var ct = Json.Timeout();
        const string body = """{"contents":[{"role":"user","parts":[{"text":"hi"}]}],"safetySettings":[{"category":"HARM_CATEGORY_HARASSMENT","threshold":"BLOCK_NONE"}]}""";
        using var response = await client.PostAsync("/v1beta/models/m-gemini:generateContent", Json.Body(body), ct);
        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal("fast", response.Headers.GetValues("x-candor-path").Single());
        var sent = fixture.Emulator.Journal.Last!;
        Assert.Equal("/v1beta/models/gemini-2.5-flash:generateContent", sent.Path);
        Assert.Equal(body, sent.BodyText);
        Assert.Equal("upstream-secret", sent.Header("x-goog-api-key"));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task LargeBody_WithOrWithoutContentLength_IsForwardedWhole(bool declared)
    {
        // The body buffer is sized by Content-Length when there is one (a small array for a long stream),
        // and grows in 8 KB reads when the body is chunked.
        using var client = fixture.CreateClient();
        var ct = Json.Timeout();
        string prompt = string.Join(' ', Enumerable.Range(0, 30_000).Select(i => $"w{i}"));
        string body = $$"""{"model":"m-openai","messages":[{"role":"user","content":"{{prompt}}"}]}""";
        using var content = declared ? (HttpContent)Json.Body(body) : new StreamContent(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(body)));
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions") { Content = content };
        if (!declared)
        {
            request.Headers.TransferEncodingChunked = true;
        }

        using var response = await client.SendAsync(request, ct);
        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal("fast", response.Headers.GetValues("x-candor-path").Single());
        var sent = fixture.Emulator.Journal.Last!;
        Assert.Equal(body.Replace("\"m-openai\"", "\"gpt-4o-mini\"", StringComparison.Ordinal), sent.BodyText);
    }

    /// <summary>The assistant text of an OpenAI chat stream: every chunk's delta content, in order.</summary>
    private static string DeltaText(IEnumerable<Sse.Event> events) => string.Concat(events.Where(e => e.Data != "[DONE]")
        .Select(e => JsonDocument.Parse(e.Data).RootElement.GetProperty("choices"))
        .Where(c => c.GetArrayLength() > 0 && c[0].GetProperty("delta").TryGetProperty("content", out var v) && v.ValueKind == JsonValueKind.String)
        .Select(c => c[0].GetProperty("delta").GetProperty("content").GetString()));

    [Fact]
    public async Task FastPathStream_RelaysAnEventLargerThanTheReadBuffersWithPausesBetweenEvents()
    {
        // The SSE reader releases its buffers while the upstream is silent (chunk_ms): a 20 KB event and the
        // events around it must still arrive whole.
        using var client = fixture.CreateClient();
        var ct = Json.Timeout(60);
        string big = string.Concat(Enumerable.Range(0, 20_000).Select(i => (char)('a' + (i % 26))));
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
        {
            Content = Json.Body($$"""{"model":"m-openai","stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"[[emulator:reply=alpha {{big}} omega;chunk_ms=30]] hi"}]}"""),
        };
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
        Assert.Equal("fast", response.Headers.GetValues("x-candor-path").Single());
        var events = await Sse.ReadAllAsync(response, ct);
        string text = DeltaText(events);
        Assert.Equal($"alpha {big} omega", text.Trim());
        Assert.Equal("[DONE]", events[^1].Data);
    }

    [Fact]
    public async Task FastPathStream_RelaysUpstreamEventsUnchanged()
    {
        using var client = fixture.CreateClient();
        var ct = Json.Timeout();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
        {
            Content = Json.Body("""{"model":"m-openai","stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"[[emulator:reply=alpha beta gamma]] hi"}]}"""),
        };
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
        Assert.Equal("fast", response.Headers.GetValues("x-candor-path").Single());
        var events = await Sse.ReadAllAsync(response, ct);
        string text = DeltaText(events);
        Assert.Equal("alpha beta gamma", text.Trim());
        Assert.Equal("[DONE]", events[^1].Data);
    }

    [Theory]
    [InlineData("m-openai", "fast")]
    [InlineData("m-anthropic", "translated")]
    public async Task WholeAnswer_GoesOutWithItsContentLengthNotChunked(string model, string path)
    {
        using var client = fixture.CreateClient();
        var ct = Json.Timeout();
        using var response = await client.PostAsync("/v1/chat/completions",
            Json.Body($$"""{"model":"{{model}}","messages":[{"role":"user","content":"hi"}]}"""), ct);
        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal(path, response.Headers.GetValues("x-candor-path").Single());
        byte[] bytes = await response.Content.ReadAsByteArrayAsync(ct);
        Assert.NotEqual(true, response.Headers.TransferEncodingChunked);
        Assert.NotEmpty(bytes);
        Assert.Equal(bytes.Length, response.Content.Headers.ContentLength);
        Assert.Equal("chat.completion", JsonDocument.Parse(bytes).RootElement.GetProperty("object").GetString());
    }

    [Fact]
    public async Task OpenAIToAnthropic_IsTranslatedIntoTheAnthropicWire()
    {
        using var client = fixture.CreateClient();
        var ct = Json.Timeout();
        using var response = await client.PostAsync("/v1/chat/completions", Json.Body("""
            {"model":"m-anthropic","messages":[{"role":"system","content":"Be terse."},{"role":"user","content":"hi"}],"max_tokens":77,"temperature":0.5,"stop":["END"]}
            """), ct);
        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal("translated", response.Headers.GetValues("x-candor-path").Single());
        var sent = fixture.Emulator.Journal.Last!;
        Assert.Equal("/v1/messages", sent.Path);
        using var doc = JsonDocument.Parse(sent.BodyText);
        var root = doc.RootElement;
        Assert.Equal("claude-sonnet-4-5", root.GetProperty("model").GetString());
        Assert.Equal(77, root.GetProperty("max_tokens").GetInt32());
        Assert.Equal(0.5, root.GetProperty("temperature").GetDouble());
        Assert.Equal("END", root.GetProperty("stop_sequences")[0].GetString());
        Assert.Contains("Be terse.", root.GetProperty("system").GetRawText());
        Assert.Equal("user", root.GetProperty("messages")[0].GetProperty("role").GetString());
    }

    [Fact]
    public async Task ServedModelHeader_ReportsWhatTheUpstreamSaid()
    {
        using var client = fixture.CreateClient();
        var ct = Json.Timeout();
        using var response = await client.PostAsync("/v1/chat/completions", Json.Body("""
            {"model":"m-openai","messages":[{"role":"user","content":"[[emulator:report_model=gpt-3.5-turbo-0125]] hi"}]}
            """), ct);
        Assert.Equal("gpt-3.5-turbo-0125", response.Headers.GetValues("x-candor-served-model").Single());
        Assert.Equal("oa", response.Headers.GetValues("x-candor-channel").Single());
        Assert.True(double.Parse(response.Headers.GetValues("x-candor-overhead-ms").Single(), System.Globalization.CultureInfo.InvariantCulture) >= 0);
    }

    [Fact]
    public async Task ProviderSpecificTools_AreRefusedRatherThanDroppedAcrossProtocols()
    {
        using var client = fixture.CreateClient();
        var ct = Json.Timeout();
        using var response = await client.PostAsync("/v1beta/models/m-openai:generateContent", Json.Body("""
            {"contents":[{"role":"user","parts":[{"text":"news today?"}]}],"tools":[{"googleSearch":{}}]}
            """), ct);
        Assert.Equal(400, (int)response.StatusCode);
        var body = await Json.ReadAsync(response, ct);
        Assert.Contains("tools", body.GetProperty("error").GetProperty("message").GetString());
    }
}
