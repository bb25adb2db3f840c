using System.Net;
using System.Text.Json;

namespace Candor.Emulator.Tests;

public sealed class OpenAiTests
{
    internal const string WeatherSchema = """
        {"type":"object","properties":{
          "city":{"type":"string","minLength":2},
          "units":{"type":"string","enum":["celsius","fahrenheit"]},
          "days":{"type":"integer","minimum":1,"maximum":7},
          "ratio":{"type":"number","minimum":0.5,"maximum":0.75},
          "detailed":{"type":"boolean"},
          "tags":{"type":"array","items":{"type":"string"},"minItems":1,"maxItems":3},
          "where":{"type":"object","properties":{"lat":{"type":"number"},"lon":{"type":"number"}},"required":["lat","lon"]}
        },"required":["city","units"]}
        """;

    private static string Chat(string extra = "", string content = "Tell me a story") =>
        $$"""{"model":"gpt-4o","messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"{{content}}"}]{{extra}}}""";

    [Fact]
    public async Task ChatJson_HasVendorShapeAndExactUsage()
    {
        await using var emu = await Emu.StartAsync();
        var root = await emu.PostJsonAsync("v1/chat/completions", Chat());

        Assert.StartsWith("chatcmpl-", root.GetProperty("id").GetString());
        Assert.Equal("chat.completion", root.GetProperty("object").GetString());
        Assert.Equal("gpt-4o", root.GetProperty("model").GetString());
        Assert.True(root.GetProperty("created").GetInt64() > 0);
        Assert.StartsWith("fp_", root.GetProperty("system_fingerprint").GetString());
        var choice = Assert.Single(root.GetProperty("choices").EnumerateArray());
        Assert.Equal(0, choice.GetProperty("index").GetInt32());
        Assert.Equal("stop", choice.GetProperty("finish_reason").GetString());
        Assert.Equal(JsonValueKind.Null, choice.GetProperty("logprobs").ValueKind);
        var message = choice.GetProperty("message");
        Assert.Equal("assistant", message.GetProperty("role").GetString());
        var text = message.GetProperty("content").GetString()!;

        var usage = root.GetProperty("usage");
        var words = text.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length;
        Assert.InRange(words, 12, 40);
        Assert.Equal(words, usage.GetProperty("completion_tokens").GetInt32());
        // "Be brief." (2) + "Tell me a story" (4) + 4 per message x 2.
        Assert.Equal(14, usage.GetProperty("prompt_tokens").GetInt32());
        Assert.Equal(14 + words, usage.GetProperty("total_tokens").GetInt32());
        Assert.Equal(0, usage.GetProperty("prompt_tokens_details").GetProperty("cached_tokens").GetInt32());
        Assert.Equal(0, usage.GetProperty("completion_tokens_details").GetProperty("reasoning_tokens").GetInt32());
    }

    [Fact]
    public async Task SameRequest_GivesSameAnswer_DifferentSeedDiffers()
    {
        await using var emu = await Emu.StartAsync();
        var a = await emu.PostJsonAsync("v1/chat/completions", Chat());
        var b = await emu.PostJsonAsync("v1/chat/completions", Chat());
        var c = await emu.PostJsonAsync("v1/chat/completions", Chat(""","seed":42"""));
        string Text(JsonElement r) => r.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString()!;
        Assert.Equal(Text(a), Text(b));
        Assert.NotEqual(Text(a), Text(c));

        await using var other = await Emu.StartAsync(new EmulatorOptions { Seed = 7 });
        var d = await other.PostJsonAsync("v1/chat/completions", Chat());
        Assert.NotEqual(Text(a), Text(d));
    }

    [Fact]
    public async Task Stream_HasChunkShapeRoleFirstUsageLastAndDone()
    {
        await using var emu = await Emu.StartAsync();
        var whole = await emu.PostJsonAsync("v1/chat/completions", Chat());
        var (response, body) = await emu.PostAsync("v1/chat/completions", Chat(""","stream":true,"stream_options":{"include_usage":true}"""));
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);

        var events = Sse.Parse(body);
        Assert.Equal("[DONE]", events[^1].Data);
        var chunks = events.SkipLast(1).Select(e => e.Json).ToList();
        Assert.All(chunks, c =>
        {
            Assert.Equal("chat.completion.chunk", c.GetProperty("object").GetString());
            Assert.StartsWith("chatcmpl-", c.GetProperty("id").GetString());
            Assert.True(c.TryGetProperty("system_fingerprint", out _));
        });
        Assert.Single(chunks.Select(c => c.GetProperty("id").GetString()).Distinct());
        Assert.Equal("assistant", chunks[0].GetProperty("choices")[0].GetProperty("delta").GetProperty("role").GetString());

        var usageChunk = chunks[^1];
        Assert.Equal(0, usageChunk.GetProperty("choices").GetArrayLength());
        var finishChunk = chunks[^2].GetProperty("choices")[0];
        Assert.Equal("stop", finishChunk.GetProperty("finish_reason").GetString());

        var text = string.Concat(chunks.SkipLast(1).Select(c => c.GetProperty("choices")[0].GetProperty("delta"))
            .Where(d => d.TryGetProperty("content", out var v) && v.ValueKind == JsonValueKind.String)
            .Select(d => d.GetProperty("content").GetString()));
        Assert.Equal(whole.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString(), text);
        Assert.Equal(whole.GetProperty("usage").GetProperty("completion_tokens").GetInt32(),
            usageChunk.GetProperty("usage").GetProperty("completion_tokens").GetInt32());
        Assert.All(chunks.SkipLast(1), c => Assert.Equal(JsonValueKind.Null, c.GetProperty("usage").ValueKind));
    }

    [Fact]
    public async Task StreamWithoutIncludeUsage_HasNoUsage()
    {
        await using var emu = await Emu.StartAsync();
        var (_, body) = await emu.PostAsync("v1/chat/completions", Chat(""","stream":true"""));
        var chunks = Sse.Parse(body).SkipLast(1).Select(e => e.Json).ToList();
        Assert.All(chunks, c => Assert.False(c.TryGetProperty("usage", out _)));
        Assert.All(chunks, c => Assert.Equal(1, c.GetProperty("choices").GetArrayLength()));
    }

    [Theory]
    [InlineData("max_tokens")]
    [InlineData("max_completion_tokens")]
    public async Task MaxTokens_CutsAnswerWithLength(string field)
    {
        await using var emu = await Emu.StartAsync();
        var root = await emu.PostJsonAsync("v1/chat/completions", Chat($$""","{{field}}":5"""));
        var choice = root.GetProperty("choices")[0];
        Assert.Equal("length", choice.GetProperty("finish_reason").GetString());
        Assert.Equal(5, choice.GetProperty("message").GetProperty("content").GetString()!.Split(' ').Length);
        Assert.Equal(5, root.GetProperty("usage").GetProperty("completion_tokens").GetInt32());
    }

    [Fact]
    public async Task StopSequence_CutsBeforeMatch()
    {
        await using var emu = await Emu.StartAsync();
        var full = (await emu.PostJsonAsync("v1/chat/completions", Chat()))
            .GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString()!;
        var words = full.Split(' ');
        var stop = " " + words[6];
        var expected = full[..full.IndexOf(stop, StringComparison.Ordinal)];

        var root = await emu.PostJsonAsync("v1/chat/completions", Chat($$""","stop":["zzz-never","{{stop}}"]"""));
        var choice = root.GetProperty("choices")[0];
        Assert.Equal(expected, choice.GetProperty("message").GetProperty("content").GetString());
        Assert.Equal("stop", choice.GetProperty("finish_reason").GetString());
    }

    [Fact]
    public async Task N_ProducesDistinctChoicesAndSummedUsage()
    {
        await using var emu = await Emu.StartAsync();
        var root = await emu.PostJsonAsync("v1/chat/completions", Chat(""","n":3"""));
        var choices = root.GetProperty("choices").EnumerateArray().ToList();
        Assert.Equal([0, 1, 2], choices.Select(c => c.GetProperty("index").GetInt32()));
        var texts = choices.Select(c => c.GetProperty("message").GetProperty("content").GetString()!).ToList();
        Assert.Equal(3, texts.Distinct().Count());
        Assert.Equal(texts.Sum(t => t.Split(' ').Length), root.GetProperty("usage").GetProperty("completion_tokens").GetInt32());
    }

    [Fact]
    public async Task Logprobs_AreWellFormed()
    {
        await using var emu = await Emu.StartAsync();
        var root = await emu.PostJsonAsync("v1/chat/completions", Chat(""","logprobs":true,"top_logprobs":2"""));
        var choice = root.GetProperty("choices")[0];
        var content = choice.GetProperty("logprobs").GetProperty("content").EnumerateArray().ToList();
        Assert.Equal(choice.GetProperty("message").GetProperty("content").GetString(),
            string.Concat(content.Select(c => c.GetProperty("token").GetString())));
        Assert.All(content, c =>
        {
            Assert.True(c.GetProperty("logprob").GetDouble() <= 0);
            Assert.Equal(c.GetProperty("token").GetString(),
                System.Text.Encoding.UTF8.GetString(c.GetProperty("bytes").EnumerateArray().Select(b => (byte)b.GetInt32()).ToArray()));
            Assert.Equal(2, c.GetProperty("top_logprobs").GetArrayLength());
        });
    }

    [Fact]
    public async Task Reasoner_EmitsReasoningContentBeforeAnswer()
    {
        await using var emu = await Emu.StartAsync();
        const string Body = """{"model":"deepseek-reasoner","messages":[{"role":"user","content":"why?"}]}""";
        var root = await emu.PostJsonAsync("v1/chat/completions", Body);
        var message = root.GetProperty("choices")[0].GetProperty("message");
        var reasoning = message.GetProperty("reasoning_content").GetString()!;
        var reasoningTokens = root.GetProperty("usage").GetProperty("completion_tokens_details").GetProperty("reasoning_tokens").GetInt32();
        Assert.Equal(reasoning.Split(' ').Length, reasoningTokens);
        Assert.Equal(reasoningTokens + message.GetProperty("content").GetString()!.Split(' ').Length,
            root.GetProperty("usage").GetProperty("completion_tokens").GetInt32());

        var (_, body) = await emu.PostAsync("v1/chat/completions", Body.Replace("}]}", "}],\"stream\":true}", StringComparison.Ordinal));
        var deltas = Sse.Parse(body).SkipLast(1).Select(e => e.Json.GetProperty("choices")[0].GetProperty("delta")).ToList();
        var firstReasoning = deltas.FindIndex(d => d.TryGetProperty("reasoning_content", out _));
        var firstContent = deltas.FindIndex(d => d.TryGetProperty("content", out var c) && c.ValueKind == JsonValueKind.String && c.GetString() != "");
        Assert.True(firstReasoning > 0 && firstReasoning < firstContent);
    }

    [Fact]
    public async Task Tools_ArgumentsValidateAgainstSchema()
    {
        await using var emu = await Emu.StartAsync();
        var body = $$$"""
            {"model":"gpt-4o","messages":[{"role":"user","content":"weather in Paris?"}],
             "tools":[{"type":"function","function":{"name":"get_weather","description":"Weather","parameters":{{{WeatherSchema}}}}},
                      {"type":"function","function":{"name":"get_time","parameters":{"type":"object","properties":{"zone":{"type":"string"} } } } }]}
            """;
        var root = await emu.PostJsonAsync("v1/chat/completions", body);
        var choice = root.GetProperty("choices")[0];
        Assert.Equal("tool_calls", choice.GetProperty("finish_reason").GetString());
        Assert.Equal(JsonValueKind.Null, choice.GetProperty("message").GetProperty("content").ValueKind);
        var call = Assert.Single(choice.GetProperty("message").GetProperty("tool_calls").EnumerateArray());
        Assert.StartsWith("call_", call.GetProperty("id").GetString());
        Assert.Equal("function", call.GetProperty("type").GetString());
        Assert.Equal("get_weather", call.GetProperty("function").GetProperty("name").GetString());
        var args = JsonDocument.Parse(call.GetProperty("function").GetProperty("arguments").GetString()!).RootElement;
        SchemaCheck.Validate(JsonDocument.Parse(WeatherSchema).RootElement, args);

        // Streamed: the fragments reassemble to the same arguments.
        var (_, streamed) = await emu.PostAsync("v1/chat/completions", body.TrimEnd().TrimEnd('}') + ""","stream":true}""");
        var deltas = Sse.Parse(streamed).SkipLast(1).Select(e => e.Json.GetProperty("choices")[0]).ToList();
        var toolDeltas = deltas.Where(d => d.GetProperty("delta").TryGetProperty("tool_calls", out _))
            .Select(d => d.GetProperty("delta").GetProperty("tool_calls")[0]).ToList();
        Assert.True(toolDeltas.Count > 2);
        Assert.Equal(call.GetProperty("id").GetString(), toolDeltas[0].GetProperty("id").GetString());
        Assert.Equal("get_weather", toolDeltas[0].GetProperty("function").GetProperty("name").GetString());
        Assert.All(toolDeltas, d => Assert.Equal(0, d.GetProperty("index").GetInt32()));
        var joined = string.Concat(toolDeltas.Select(d => d.GetProperty("function").GetProperty("arguments").GetString()));
        Assert.Equal(call.GetProperty("function").GetProperty("arguments").GetString(), joined);
        Assert.Equal("tool_calls", deltas[^1].GetProperty("finish_reason").GetString());
    }

    [Fact]
    public async Task Tools_ParallelForcedNoneAndToolResult()
    {
        await using var emu = await Emu.StartAsync();
        const string Tools = """
            "tools":[{"type":"function","function":{"name":"a","parameters":{"type":"object","properties":{"x":{"type":"integer"}}}}},
                     {"type":"function","function":{"name":"b","parameters":{"type":"object","properties":{"y":{"type":"string"}}}}}]
            """;
        var parallel = await emu.PostJsonAsync("v1/chat/completions",
            $$"""{"model":"gpt-4o","messages":[{"role":"user","content":"call both in parallel"}],{{Tools}}}""");
        var calls = parallel.GetProperty("choices")[0].GetProperty("message").GetProperty("tool_calls");
        Assert.Equal(["a", "b"], calls.EnumerateArray().Select(c => c.GetProperty("function").GetProperty("name").GetString()));

        var forced = await emu.PostJsonAsync("v1/chat/completions",
            $$$"""{"model":"gpt-4o","messages":[{"role":"user","content":"go"}],{{{Tools}}},"tool_choice":{"type":"function","function":{"name":"b"} } }""");
        Assert.Equal("b", forced.GetProperty("choices")[0].GetProperty("message").GetProperty("tool_calls")[0].GetProperty("function").GetProperty("name").GetString());

        var none = await emu.PostJsonAsync("v1/chat/completions",
            $$"""{"model":"gpt-4o","messages":[{"role":"user","content":"go"}],{{Tools}},"tool_choice":"none"}""");
        Assert.Equal("stop", none.GetProperty("choices")[0].GetProperty("finish_reason").GetString());

        var afterResult = await emu.PostJsonAsync("v1/chat/completions", $$"""
            {"model":"gpt-4o","messages":[{"role":"user","content":"go"},
              {"role":"assistant","content":null,"tool_calls":[{"id":"call_1","type":"function","function":{"name":"a","arguments":"{}"} }]},
              {"role":"tool","tool_call_id":"call_1","content":"42"}],{{Tools}}}
            """);
        var message = afterResult.GetProperty("choices")[0].GetProperty("message");
        Assert.False(message.TryGetProperty("tool_calls", out _));
        Assert.False(string.IsNullOrEmpty(message.GetProperty("content").GetString()));
    }

    [Fact]
    public async Task Images_AreAnnouncedInTheAnswer()
    {
        await using var emu = await Emu.StartAsync();
        var root = await emu.PostJsonAsync("v1/chat/completions", """
            {"model":"gpt-4o","messages":[{"role":"user","content":[{"type":"text","text":"what is this"},
              {"type":"image_url","image_url":{"url":"data:image/png;base64,iVBORw0KGgo="}},
              {"type":"image_url","image_url":{"url":"https://example.com/a.png"}}]}]}
            """);
        Assert.StartsWith("I see 2 images.", root.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString());
        Assert.Equal(3 + 4 + 170, root.GetProperty("usage").GetProperty("prompt_tokens").GetInt32());
    }

    [Fact]
    public async Task Embeddings_FloatBase64AndDimensions()
    {
        await using var emu = await Emu.StartAsync();
        var root = await emu.PostJsonAsync("v1/embeddings", """{"model":"text-embedding-3-small","input":["hello world","bye"]}""");
        Assert.Equal("list", root.GetProperty("object").GetString());
        Assert.Equal(3, root.GetProperty("usage").GetProperty("prompt_tokens").GetInt32());
        var data = root.GetProperty("data").EnumerateArray().ToList();
        Assert.Equal(2, data.Count);
        Assert.Equal("embedding", data[1].GetProperty("object").GetString());
        Assert.Equal(1, data[1].GetProperty("index").GetInt32());
        var vector = data[0].GetProperty("embedding").EnumerateArray().Select(v => v.GetDouble()).ToArray();
        Assert.Equal(16, vector.Length);
        Assert.Equal(1.0, Math.Sqrt(vector.Sum(v => v * v)), 3);

        var b64 = await emu.PostJsonAsync("v1/embeddings",
            """{"model":"text-embedding-3-small","input":"hello world","encoding_format":"base64","dimensions":8}""");
        var bytes = Convert.FromBase64String(b64.GetProperty("data")[0].GetProperty("embedding").GetString()!);
        Assert.Equal(8 * sizeof(float), bytes.Length);

        var again = await emu.PostJsonAsync("v1/embeddings", """{"model":"text-embedding-3-small","input":"hello world"}""");
        Assert.Equal(vector, again.GetProperty("data")[0].GetProperty("embedding").EnumerateArray().Select(v => v.GetDouble()).ToArray());
    }

    [Fact]
    public async Task Models_ListsModels()
    {
        await using var emu = await Emu.StartAsync();
        using var cts = new CancellationTokenSource(Emu.Timeout);
        var body = await emu.Client.GetStringAsync("v1/models", cts.Token).WaitAsync(Emu.Timeout);
        var root = JsonDocument.Parse(body).RootElement;
        Assert.Equal("list", root.GetProperty("object").GetString());
        Assert.All(root.GetProperty("data").EnumerateArray(), m => Assert.Equal("model", m.GetProperty("object").GetString()));
    }

    [Fact]
    public async Task Errors_UseOpenAiEnvelope()
    {
        await using var emu = await Emu.StartAsync(new EmulatorOptions { RequiredApiKey = "sk-test" });
        var (unauth, unauthBody) = await emu.PostAsync("v1/chat/completions", Chat());
        Assert.Equal(HttpStatusCode.Unauthorized, unauth.StatusCode);
        Assert.Equal("invalid_request_error", JsonDocument.Parse(unauthBody).RootElement.GetProperty("error").GetProperty("type").GetString());

        var (wrong, wrongBody) = await emu.PostAsync("v1/chat/completions", Chat(), ("Authorization", "Bearer sk-wrong"));
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        Assert.Equal("invalid_api_key", JsonDocument.Parse(wrongBody).RootElement.GetProperty("error").GetProperty("code").GetString());
        Assert.DoesNotContain("sk-wrong", wrongBody, StringComparison.Ordinal);

        var auth = ("Authorization", "Bearer sk-test");
        var (missing, missingBody) = await emu.PostAsync("v1/chat/completions", Chat().Replace("gpt-4o", "missing-model", StringComparison.Ordinal), auth);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal("model_not_found", JsonDocument.Parse(missingBody).RootElement.GetProperty("error").GetProperty("code").GetString());

        var (bad, badBody) = await emu.PostAsync("v1/chat/completions", "{not json", auth);
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        var error = JsonDocument.Parse(badBody).RootElement.GetProperty("error");
        Assert.Equal("invalid_request_error", error.GetProperty("type").GetString());
        Assert.True(error.TryGetProperty("param", out _));

        var ok = await emu.PostJsonAsync("v1/chat/completions", Chat(), auth);
        Assert.Equal("chat.completion", ok.GetProperty("object").GetString());
    }

    [Fact]
    public async Task Azure_RoutesByDeploymentAndRequiresApiVersionAndKey()
    {
        await using var emu = await Emu.StartAsync(new EmulatorOptions { RequiredApiKey = "az-key" });
        const string Body = """{"messages":[{"role":"user","content":"hi"}]}""";
        var (noVersion, noVersionBody) = await emu.PostAsync("openai/deployments/my-gpt/chat/completions", Body, ("api-key", "az-key"));
        Assert.Equal(HttpStatusCode.NotFound, noVersion.StatusCode);
        Assert.Equal("404", JsonDocument.Parse(noVersionBody).RootElement.GetProperty("error").GetProperty("code").GetString());

        var (noKey, noKeyBody) = await emu.PostAsync("openai/deployments/my-gpt/chat/completions?api-version=2024-10-21", Body);
        Assert.Equal(HttpStatusCode.Unauthorized, noKey.StatusCode);
        Assert.Equal("401", JsonDocument.Parse(noKeyBody).RootElement.GetProperty("error").GetProperty("code").GetString());

        var root = await emu.PostJsonAsync("openai/deployments/my-gpt/chat/completions?api-version=2024-10-21", Body, ("api-key", "az-key"));
        Assert.Equal("my-gpt", root.GetProperty("model").GetString());
        Assert.Equal("chat.completion", root.GetProperty("object").GetString());

        var (missing, missingBody) = await emu.PostAsync("openai/deployments/missing-dep/chat/completions?api-version=2024-10-21", Body, ("api-key", "az-key"));
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal("DeploymentNotFound", JsonDocument.Parse(missingBody).RootElement.GetProperty("error").GetProperty("code").GetString());
    }
}
