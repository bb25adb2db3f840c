using System.Net;
using System.Text.Json;

namespace Candor.Emulator.Tests;

/// <summary>OpenAI's legacy <c>/v1/completions</c> as the emulator serves it on its OpenAI-compatible routes.</summary>
public sealed class CompletionsTests
{
    [Fact]
    public async Task Whole_IsATextCompletion_WithExactUsage()
    {
        await using var emu = await Emu.StartAsync();
        var root = await emu.PostJsonAsync("v1/completions", """{"model":"gpt-3.5-turbo-instruct","prompt":"[[emulator:reply=alpha beta]] Say it","max_tokens":20}""");
        Assert.StartsWith("cmpl-", root.GetProperty("id").GetString(), StringComparison.Ordinal);
        Assert.Equal("text_completion", root.GetProperty("object").GetString());
        Assert.Equal("gpt-3.5-turbo-instruct", root.GetProperty("model").GetString());
        var choice = Assert.Single(root.GetProperty("choices").EnumerateArray());
        Assert.Equal("alpha beta", choice.GetProperty("text").GetString());
        Assert.Equal("stop", choice.GetProperty("finish_reason").GetString());
        Assert.Equal(JsonValueKind.Null, choice.GetProperty("logprobs").ValueKind);
        var usage = root.GetProperty("usage");
        Assert.Equal(2, usage.GetProperty("completion_tokens").GetInt32());
        Assert.True(usage.GetProperty("prompt_tokens").GetInt32() > 0);
        Assert.Equal(usage.GetProperty("prompt_tokens").GetInt32() + 2, usage.GetProperty("total_tokens").GetInt32());
    }

    [Fact]
    public async Task SeveralPrompts_N_Echo_Logprobs_AreServed()
    {
        await using var emu = await Emu.StartAsync();
        var root = await emu.PostJsonAsync("v1/completions",
            """{"model":"m","prompt":["[[emulator:reply=x y]] one","[[emulator:reply=x y]] two"],"n":2,"echo":true,"logprobs":2,"max_tokens":5}""");
        var choices = root.GetProperty("choices").EnumerateArray().ToList();
        Assert.Equal([0, 1, 2, 3], choices.Select(static c => c.GetProperty("index").GetInt32()));
        Assert.Equal("[[emulator:reply=x y]] twox y", choices[2].GetProperty("text").GetString());
        var logprobs = choices[0].GetProperty("logprobs");
        Assert.Equal(logprobs.GetProperty("tokens").GetArrayLength(), logprobs.GetProperty("token_logprobs").GetArrayLength());
        Assert.Equal(2, logprobs.GetProperty("top_logprobs")[0].EnumerateObject().Count());
    }

    [Fact]
    public async Task Stream_EndsEachChoice_ThenUsage_ThenDone()
    {
        await using var emu = await Emu.StartAsync();
        var (response, body) = await emu.PostAsync("v1/completions",
            """{"model":"m","prompt":"[[emulator:reply=a b c]] go","stream":true,"stream_options":{"include_usage":true},"max_tokens":10}""");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var events = Sse.Parse(body);
        Assert.Equal("[DONE]", events[^1].Data);
        var chunks = events[..^1].Select(static e => e.Json).ToList();
        Assert.All(chunks, static c => Assert.Equal("text_completion", c.GetProperty("object").GetString()));
        var withChoices = chunks.Where(static c => c.GetProperty("choices").GetArrayLength() > 0).Select(static c => c.GetProperty("choices")[0]).ToList();
        Assert.Equal("a b c", string.Concat(withChoices.Select(static c => c.GetProperty("text").GetString())));
        Assert.Equal("stop", withChoices[^1].GetProperty("finish_reason").GetString());
        Assert.All(withChoices[..^1], static c => Assert.Equal(JsonValueKind.Null, c.GetProperty("finish_reason").ValueKind));
        Assert.All(chunks[..^1], static c => Assert.Equal(JsonValueKind.Null, c.GetProperty("usage").ValueKind));
        Assert.Equal(0, chunks[^1].GetProperty("choices").GetArrayLength());
        Assert.Equal(3, chunks[^1].GetProperty("usage").GetProperty("completion_tokens").GetInt32());

        var (plain, text) = await emu.PostAsync("v1/completions", """{"model":"m","prompt":"go","stream":true,"max_tokens":3}""");
        Assert.Equal(HttpStatusCode.OK, plain.StatusCode);
        Assert.DoesNotContain("\"usage\"", text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"prompt":"x"}""", HttpStatusCode.BadRequest)]
    [InlineData("""{"model":"m"}""", HttpStatusCode.BadRequest)]
    [InlineData("""{"model":"m","prompt":{"a":1}}""", HttpStatusCode.BadRequest)]
    [InlineData("""{"model":"missing-x","prompt":"x"}""", HttpStatusCode.NotFound)]
    public async Task BadRequests_AnswerInOpenAIsEnvelope(string json, HttpStatusCode expected)
    {
        await using var emu = await Emu.StartAsync();
        var (response, body) = await emu.PostAsync("v1/completions", json);
        Assert.Equal(expected, response.StatusCode);
        using var doc = JsonDocument.Parse(body);
        Assert.Equal(JsonValueKind.Object, doc.RootElement.GetProperty("error").ValueKind);
    }
}
