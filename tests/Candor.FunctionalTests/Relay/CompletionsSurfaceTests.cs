using System.Text.Json;
using Candor.FunctionalTests.Infrastructure;

namespace Candor.FunctionalTests.Relay;

/// <summary>OpenAI's legacy <c>/v1/completions</c> through the real server against every upstream wire, streamed and not,
/// over raw HTTP (the OpenAI .NET SDK 2.15 has no legacy completions client): the prompt reaches the upstream as one user
/// message of its chat wire and the answer comes back as <c>text_completion</c>s.</summary>
[Collection(CandorCollection.Name)]
public sealed class CompletionsSurfaceTests(CandorFixture fixture)
{
    public static TheoryData<string> Models => CandorFixture.ChatModels;

    [Theory]
    [MemberData(nameof(Models))]
    public async Task NonStreamed_ReturnsATextCompletionWithTheExactText(string model)
    {
        using var client = fixture.CreateClient();
        var ct = Json.Timeout();
        using var response = await client.PostAsync("/v1/completions", Json.Body($$"""
            {"model":"{{model}}","prompt":"[[emulator:reply=alpha beta gamma]] legacy-nonstream-{{model}}","max_tokens":50,"temperature":0.2}
            """), ct);
        var body = await Json.ReadAsync(response, ct);

        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal("text_completion", body.GetProperty("object").GetString());
        var choice = Assert.Single(body.GetProperty("choices").EnumerateArray());
        Assert.Equal("alpha beta gamma", choice.GetProperty("text").GetString());
        Assert.Equal(0, choice.GetProperty("index").GetInt32());
        Assert.Equal(JsonValueKind.Null, choice.GetProperty("logprobs").ValueKind);
        Assert.Equal("stop", choice.GetProperty("finish_reason").GetString());
        Assert.True(body.GetProperty("usage").GetProperty("prompt_tokens").GetInt32() > 0);
        Assert.True(body.GetProperty("usage").GetProperty("completion_tokens").GetInt32() > 0);
        Assert.Equal("translated", response.Headers.GetValues("x-candor-path").Single());

        // The upstream got its own chat wire with the prompt as the user's text, never the legacy body.
        var forwarded = fixture.Emulator.Journal.All.Last(e => e.BodyText.Contains($"legacy-nonstream-{model}", StringComparison.Ordinal));
        Assert.DoesNotContain("\"prompt\"", forwarded.BodyText, StringComparison.Ordinal);
        Assert.DoesNotContain("/completions", forwarded.Path.Replace("chat/completions", "", StringComparison.Ordinal), StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Models))]
    public async Task Streamed_WritesTextCompletionChunks_UsageAndDone(string model)
    {
        using var client = fixture.CreateClient();
        var ct = Json.Timeout();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/completions")
        {
            Content = Json.Body($$"""
                {"model":"{{model}}","prompt":["[[emulator:reply=one two three four]] legacy-stream"],"stream":true,"stream_options":{"include_usage":true},"max_tokens":50}
                """),
        };
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);

        var events = await Sse.ReadAllAsync(response, ct);
        Assert.Equal("[DONE]", events[^1].Data);
        var chunks = events[..^1].Select(e => JsonDocument.Parse(e.Data).RootElement).ToList();
        Assert.All(chunks, c => Assert.Equal("text_completion", c.GetProperty("object").GetString()));
        Assert.Single(chunks.Select(c => c.GetProperty("id").GetString()).Distinct());
        var withChoices = chunks.Where(c => c.GetProperty("choices").GetArrayLength() > 0).Select(c => c.GetProperty("choices")[0]).ToList();
        Assert.Equal("one two three four", string.Concat(withChoices.Select(c => c.GetProperty("text").GetString())));
        Assert.Equal("stop", withChoices[^1].GetProperty("finish_reason").GetString());
        Assert.All(withChoices[..^1], c => Assert.Equal(JsonValueKind.Null, c.GetProperty("finish_reason").ValueKind));

        var usage = chunks[^1];
        Assert.Equal(0, usage.GetProperty("choices").GetArrayLength());
        Assert.True(usage.GetProperty("usage").GetProperty("completion_tokens").GetInt32() > 0);
    }

    [Theory]
    [InlineData("""{"model":"m-openai","prompt":[101,202]}""", "prompt")]
    [InlineData("""{"model":"m-openai","prompt":"x","n":2}""", "n")]
    [InlineData("""{"model":"m-anthropic","prompt":"x","best_of":2}""", "best_of")]
    [InlineData("""{"model":"m-gemini","prompt":"x","echo":true}""", "echo")]
    [InlineData("""{"model":"m-openai","prompt":"x","logprobs":2}""", "logprobs")]
    [InlineData("""{"model":"m-openai","prompt":"x","suffix":"end"}""", "suffix")]
    public async Task Unsupported_IsA400InOpenAIsEnvelope_AndNothingIsForwarded(string json, string param)
    {
        using var client = fixture.CreateClient();
        var ct = Json.Timeout();
        long before = fixture.Emulator.Journal.Count;
        using var response = await client.PostAsync("/v1/completions", Json.Body(json), ct);
        var body = await Json.ReadAsync(response, ct);

        Assert.Equal(400, (int)response.StatusCode);
        Assert.Equal("invalid_request_error", body.GetProperty("error").GetProperty("type").GetString());
        Assert.Equal(param, body.GetProperty("error").GetProperty("param").GetString());
        Assert.Equal(before, fixture.Emulator.Journal.Count);
    }

    [Fact]
    public async Task UnknownModel_Is404_AndNoKeyIs401()
    {
        var ct = Json.Timeout();
        using var client = fixture.CreateClient();
        using var unknown = await client.PostAsync("/v1/completions", Json.Body("""{"model":"m-nope","prompt":"x"}"""), ct);
        Assert.Equal(404, (int)unknown.StatusCode);
        using var anonymous = fixture.CreateClient(key: null);
        using var unauthorized = await anonymous.PostAsync("/v1/completions", Json.Body("""{"model":"m-openai","prompt":"x"}"""), ct);
        Assert.Equal(401, (int)unauthorized.StatusCode);
    }
}
