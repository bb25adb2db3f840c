using System.Text.Json;
using Candor.FunctionalTests.Infrastructure;

namespace Candor.FunctionalTests.Relay;

/// <summary>Every client surface against every upstream protocol, streamed and not, over real HTTP.</summary>
[Collection(CandorCollection.Name)]
public sealed class SurfaceMatrixTests(CandorFixture fixture)
{
    public static TheoryData<string> Models => CandorFixture.ChatModels;

    [Theory]
    [MemberData(nameof(Models))]
    public async Task OpenAISurface_NonStreamed_ReturnsAChatCompletion(string model)
    {
        using var client = fixture.CreateClient();
        var ct = Json.Timeout();
        using var response = await client.PostAsync("/v1/chat/completions", Json.Body($$"""
            {"model":"{{model}}","messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"Say hello"}],"max_tokens":50}
            """), ct);
        var body = await Json.ReadAsync(response, ct);
        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal("chat.completion", body.GetProperty("object").GetString());
        var choice = body.GetProperty("choices")[0];
        Assert.Equal("assistant", choice.GetProperty("message").GetProperty("role").GetString());
        Assert.False(string.IsNullOrWhiteSpace(choice.GetProperty("message").GetProperty("content").GetString()));
        Assert.Equal("stop", choice.GetProperty("finish_reason").GetString());
        Assert.True(body.GetProperty("usage").GetProperty("prompt_tokens").GetInt32() > 0);
        Assert.True(body.GetProperty("usage").GetProperty("completion_tokens").GetInt32() > 0);
        Assert.True(response.Headers.Contains("x-request-id"));
        Assert.True(response.Headers.Contains("x-candor-channel"));
        Assert.True(response.Headers.Contains("x-candor-served-model"));
    }

    [Theory]
    [MemberData(nameof(Models))]
    public async Task OpenAISurface_Streamed_EndsWithUsageAndDone(string model)
    {
        using var client = fixture.CreateClient();
        var ct = Json.Timeout();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
        {
            Content = Json.Body($$"""
                {"model":"{{model}}","stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"Tell me something"}]}
                """),
        };
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        var events = await Sse.ReadAllAsync(response, ct);
        Assert.Equal("[DONE]", events[^1].Data);
        var chunks = events[..^1].Select(e => JsonDocument.Parse(e.Data).RootElement).ToList();
        Assert.All(chunks, c => Assert.Equal("chat.completion.chunk", c.GetProperty("object").GetString()));
        string text = string.Concat(chunks.Where(c => c.GetProperty("choices").GetArrayLength() > 0)
            .Select(c => c.GetProperty("choices")[0].GetProperty("delta"))
            .Where(d => d.TryGetProperty("content", out var v) && v.ValueKind == JsonValueKind.String)
            .Select(d => d.GetProperty("content").GetString()));
        Assert.False(string.IsNullOrWhiteSpace(text));
        Assert.Contains(chunks, c => c.GetProperty("choices").GetArrayLength() > 0 && c.GetProperty("choices")[0].GetProperty("finish_reason").ValueKind == JsonValueKind.String);
        var last = chunks[^1];
        Assert.Equal(0, last.GetProperty("choices").GetArrayLength());
        Assert.True(last.GetProperty("usage").GetProperty("completion_tokens").GetInt32() > 0);
    }

    [Theory]
    [MemberData(nameof(Models))]
    public async Task AnthropicSurface_NonStreamed_ReturnsAMessage(string model)
    {
        using var client = fixture.CreateClient(key: null);
        client.DefaultRequestHeaders.Add("x-api-key", CandorFixture.Key);
        client.DefaultRequestHeaders.Add("anthropic-version", "2023-06-01");
        var ct = Json.Timeout();
        using var response = await client.PostAsync("/v1/messages", Json.Body($$"""
            {"model":"{{model}}","max_tokens":64,"system":"Be brief.","messages":[{"role":"user","content":"Say hello"}]}
            """), ct);
        var body = await Json.ReadAsync(response, ct);
        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal("message", body.GetProperty("type").GetString());
        Assert.Equal("assistant", body.GetProperty("role").GetString());
        var text = body.GetProperty("content").EnumerateArray().Single(b => b.GetProperty("type").GetString() == "text");
        Assert.False(string.IsNullOrWhiteSpace(text.GetProperty("text").GetString()));
        Assert.Equal("end_turn", body.GetProperty("stop_reason").GetString());
        Assert.True(body.GetProperty("usage").GetProperty("output_tokens").GetInt32() > 0);
    }

    [Theory]
    [MemberData(nameof(Models))]
    public async Task AnthropicSurface_Streamed_FollowsTheEventSequence(string model)
    {
        using var client = fixture.CreateClient(key: null);
        client.DefaultRequestHeaders.Add("x-api-key", CandorFixture.Key);
        var ct = Json.Timeout();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/messages")
        {
            Content = Json.Body($$"""
                {"model":"{{model}}","max_tokens":64,"stream":true,"messages":[{"role":"user","content":"Say hello"}]}
                """),
        };
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
        Assert.Equal(200, (int)response.StatusCode);
        var events = await Sse.ReadAllAsync(response, ct);
        var types = events.Select(e => e.Type).Where(t => t != "ping").ToList();
        Assert.Equal("message_start", types[0]);
        Assert.Equal("content_block_start", types[1]);
        Assert.Equal("message_delta", types[^2]);
        Assert.Equal("message_stop", types[^1]);
        Assert.Contains("content_block_delta", types);
        Assert.Contains("content_block_stop", types);
        Assert.All(events, e => Assert.Equal(e.Type, JsonDocument.Parse(e.Data).RootElement.GetProperty("type").GetString()));
        var delta = JsonDocument.Parse(events.Single(e => e.Type == "message_delta").Data).RootElement;
        Assert.Equal("end_turn", delta.GetProperty("delta").GetProperty("stop_reason").GetString());
    }

    [Theory]
    [MemberData(nameof(Models))]
    public async Task GeminiSurface_NonStreamed_ReturnsCandidates(string model)
    {
        using var client = fixture.CreateClient(key: null);
        client.DefaultRequestHeaders.Add("x-goog-api-key", CandorFixture.Key);
        var ct = Json.Timeout();
        using var response = await client.PostAsync($"/v1beta/models/{model}:generateContent", Json.Body("""
            {"systemInstruction":{"parts":[{"text":"Be brief."}]},"contents":[{"role":"user","parts":[{"text":"Say hello"}]}],"generationConfig":{"maxOutputTokens":64}}
            """), ct);
        var body = await Json.ReadAsync(response, ct);
        Assert.Equal(200, (int)response.StatusCode);
        var candidate = body.GetProperty("candidates")[0];
        Assert.Equal("model", candidate.GetProperty("content").GetProperty("role").GetString());
        Assert.False(string.IsNullOrWhiteSpace(candidate.GetProperty("content").GetProperty("parts")[0].GetProperty("text").GetString()));
        Assert.Equal("STOP", candidate.GetProperty("finishReason").GetString());
        Assert.True(body.GetProperty("usageMetadata").GetProperty("promptTokenCount").GetInt32() > 0);
    }

    [Theory]
    [MemberData(nameof(Models))]
    public async Task GeminiSurface_Streamed_SendsResponseChunks(string model)
    {
        using var client = fixture.CreateClient(key: null);
        var ct = Json.Timeout();
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/v1beta/models/{model}:streamGenerateContent?alt=sse&key={CandorFixture.Key}")
        {
            Content = Json.Body("""{"contents":[{"role":"user","parts":[{"text":"Say hello"}]}]}"""),
        };
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
        Assert.Equal(200, (int)response.StatusCode);
        var events = await Sse.ReadAllAsync(response, ct);
        Assert.NotEmpty(events);
        var chunks = events.Select(e => JsonDocument.Parse(e.Data).RootElement).ToList();
        string text = string.Concat(chunks.SelectMany(c => c.GetProperty("candidates").EnumerateArray())
            .SelectMany(c => c.TryGetProperty("content", out var content) ? content.GetProperty("parts").EnumerateArray() : Enumerable.Empty<JsonElement>())
            .Where(p => p.TryGetProperty("text", out _) && !p.TryGetProperty("thought", out _))
            .Select(p => p.GetProperty("text").GetString()));
        Assert.False(string.IsNullOrWhiteSpace(text));
        Assert.Equal("STOP", chunks[^1].GetProperty("candidates")[0].GetProperty("finishReason").GetString());
        Assert.True(chunks[^1].GetProperty("usageMetadata").GetProperty("totalTokenCount").GetInt32() > 0);
    }
}
