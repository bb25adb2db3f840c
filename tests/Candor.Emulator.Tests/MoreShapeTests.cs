using System.Net;
using System.Text.Json;

namespace Candor.Emulator.Tests;

public sealed class MoreShapeTests
{
    [Fact]
    public async Task CachedTokens_AreReportedPerVendorConvention()
    {
        await using var emu = await Emu.StartAsync();
        emu.Host.EnqueueFault("cached_tokens=4", count: 3);
        var openai = await emu.PostJsonAsync("v1/chat/completions", """{"model":"m","messages":[{"role":"user","content":"one two three four five six"}]}""");
        Assert.Equal(10, openai.GetProperty("usage").GetProperty("prompt_tokens").GetInt32());
        Assert.Equal(4, openai.GetProperty("usage").GetProperty("prompt_tokens_details").GetProperty("cached_tokens").GetInt32());

        var anthropic = await emu.PostJsonAsync("v1/messages",
            """{"model":"m","max_tokens":50,"messages":[{"role":"user","content":"one two three four five six"}]}""", Emu.AnthropicVersion);
        Assert.Equal(6, anthropic.GetProperty("usage").GetProperty("input_tokens").GetInt32());
        Assert.Equal(4, anthropic.GetProperty("usage").GetProperty("cache_read_input_tokens").GetInt32());

        var gemini = await emu.PostJsonAsync("v1beta/models/m:generateContent", """{"contents":[{"parts":[{"text":"one two three four five six"}]}]}""");
        Assert.Equal(10, gemini.GetProperty("usageMetadata").GetProperty("promptTokenCount").GetInt32());
        Assert.Equal(4, gemini.GetProperty("usageMetadata").GetProperty("cachedContentTokenCount").GetInt32());
    }

    [Fact]
    public async Task OpenAiStream_WithNAndLogprobs_KeepsChoicesApart()
    {
        await using var emu = await Emu.StartAsync();
        const string Body = """{"model":"m","n":2,"logprobs":true,"messages":[{"role":"user","content":"hi"}]}""";
        var whole = await emu.PostJsonAsync("v1/chat/completions", Body);
        var (_, body) = await emu.PostAsync("v1/chat/completions", Body.Replace("\"n\":2", "\"n\":2,\"stream\":true", StringComparison.Ordinal));
        var choices = Sse.Parse(body).SkipLast(1).Select(e => e.Json.GetProperty("choices")[0]).ToList();
        for (var i = 0; i < 2; i++)
        {
            var mine = choices.Where(c => c.GetProperty("index").GetInt32() == i).ToList();
            var text = string.Concat(mine.Select(c => c.GetProperty("delta")).Where(d => d.TryGetProperty("content", out _))
                .Select(d => d.GetProperty("content").GetString()));
            Assert.Equal(whole.GetProperty("choices")[i].GetProperty("message").GetProperty("content").GetString(), text);
            Assert.Equal("stop", mine[^1].GetProperty("finish_reason").GetString());
            Assert.All(mine.Where(c => c.GetProperty("delta").TryGetProperty("content", out var v) && v.GetString() != ""),
                c => Assert.Single(c.GetProperty("logprobs").GetProperty("content").EnumerateArray()));
        }
    }

    [Fact]
    public async Task AnthropicDisableParallel_CallsOneTool()
    {
        await using var emu = await Emu.StartAsync();
        const string Tools = """
            "tools":[{"name":"a","input_schema":{"type":"object","properties":{"x":{"type":"integer"}}}},
                     {"name":"b","input_schema":{"type":"object","properties":{"y":{"type":"string"}}}}]
            """;
        var parallel = await emu.PostJsonAsync("v1/messages",
            $$"""{"model":"m","max_tokens":50,"messages":[{"role":"user","content":"do it in parallel"}],{{Tools}}}""", Emu.AnthropicVersion);
        Assert.Equal(["a", "b"], parallel.GetProperty("content").EnumerateArray().Select(b => b.GetProperty("name").GetString()));

        var single = await emu.PostJsonAsync("v1/messages",
            $$"""{"model":"m","max_tokens":50,"messages":[{"role":"user","content":"do it in parallel"}],{{Tools}},"tool_choice":{"type":"auto","disable_parallel_tool_use":true} }""",
            Emu.AnthropicVersion);
        Assert.Single(single.GetProperty("content").EnumerateArray());

        var forced = await emu.PostJsonAsync("v1/messages",
            $$"""{"model":"m","max_tokens":50,"messages":[{"role":"user","content":"go"}],{{Tools}},"tool_choice":{"type":"tool","name":"b"} }""",
            Emu.AnthropicVersion);
        Assert.Equal("b", forced.GetProperty("content")[0].GetProperty("name").GetString());
    }

    [Fact]
    public async Task GeminiStream_FunctionCallArrivesWhole()
    {
        await using var emu = await Emu.StartAsync();
        var (_, body) = await emu.PostAsync("v1beta/models/m:streamGenerateContent?alt=sse", """
            {"contents":[{"role":"user","parts":[{"text":"go"}]}],
             "tools":[{"functionDeclarations":[{"name":"f","parameters":{"type":"OBJECT","properties":{"q":{"type":"STRING"}},"required":["q"]}}]}]}
            """);
        var events = Sse.Parse(body).Select(e => e.Json).ToList();
        var last = Assert.Single(events);
        var part = last.GetProperty("candidates")[0].GetProperty("content").GetProperty("parts")[0];
        Assert.Equal("f", part.GetProperty("functionCall").GetProperty("name").GetString());
        Assert.Equal(JsonValueKind.String, part.GetProperty("functionCall").GetProperty("args").GetProperty("q").ValueKind);
        Assert.Equal("STOP", last.GetProperty("candidates")[0].GetProperty("finishReason").GetString());
    }

    [Fact]
    public async Task AzureEmbeddingsAndFaultClearing_Work()
    {
        await using var emu = await Emu.StartAsync();
        var embeddings = await emu.PostJsonAsync("openai/deployments/emb/embeddings?api-version=2024-10-21", """{"input":"hello"}""");
        Assert.Equal("emb", embeddings.GetProperty("model").GetString());

        emu.Host.EnqueueFault("status=500", count: 5);
        using var delete = new HttpRequestMessage(HttpMethod.Delete, "_emulator/faults");
        using var deleted = await emu.SendAsync(delete);
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        var (ok, _) = await emu.PostAsync("v1/embeddings", """{"model":"e","input":"x"}""");
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
    }

    [Fact]
    public async Task PathPrefix_DecodesEscapedSeparators()
    {
        await using var emu = await Emu.StartAsync();
        var root = await emu.PostJsonAsync("x/reply=a%2Fb%20c%3D1/v1/chat/completions", """{"model":"m","messages":[{"role":"user","content":"x"}]}""");
        Assert.Equal("a/b c=1", root.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString());
    }
}
