using System.Net;
using System.Text.Json;

namespace Candor.Emulator.Tests;

public sealed class AnthropicTests
{
    private static string Messages(string extra = "", string content = "Tell me a story") =>
        $$"""{"model":"claude-sonnet-4-5","max_tokens":1024,"system":"Be brief.","messages":[{"role":"user","content":"{{content}}"}]{{extra}}}""";

    private static readonly (string, string) Version = Emu.AnthropicVersion;

    [Fact]
    public async Task MessageJson_HasVendorShape()
    {
        await using var emu = await Emu.StartAsync();
        var root = await emu.PostJsonAsync("v1/messages", Messages(), Version);
        Assert.StartsWith("msg_", root.GetProperty("id").GetString());
        Assert.Equal("message", root.GetProperty("type").GetString());
        Assert.Equal("assistant", root.GetProperty("role").GetString());
        Assert.Equal("claude-sonnet-4-5", root.GetProperty("model").GetString());
        Assert.Equal("end_turn", root.GetProperty("stop_reason").GetString());
        Assert.Equal(JsonValueKind.Null, root.GetProperty("stop_sequence").ValueKind);
        var block = Assert.Single(root.GetProperty("content").EnumerateArray());
        Assert.Equal("text", block.GetProperty("type").GetString());
        var usage = root.GetProperty("usage");
        Assert.Equal(14, usage.GetProperty("input_tokens").GetInt32());
        Assert.Equal(block.GetProperty("text").GetString()!.Split(' ').Length, usage.GetProperty("output_tokens").GetInt32());
        Assert.Equal(0, usage.GetProperty("cache_read_input_tokens").GetInt32());
        Assert.Equal(0, usage.GetProperty("cache_creation_input_tokens").GetInt32());
    }

    [Fact]
    public async Task SameConversation_SameAnswerAsOpenAi()
    {
        await using var emu = await Emu.StartAsync();
        var anthropic = await emu.PostJsonAsync("v1/messages", Messages().Replace("claude-sonnet-4-5", "m1", StringComparison.Ordinal), Version);
        var openai = await emu.PostJsonAsync("v1/chat/completions",
            """{"model":"m1","messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"Tell me a story"}]}""");
        Assert.Equal(openai.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString(),
            anthropic.GetProperty("content")[0].GetProperty("text").GetString());
    }

    [Fact]
    public async Task Stream_HasFullEventSequence()
    {
        await using var emu = await Emu.StartAsync();
        var whole = await emu.PostJsonAsync("v1/messages", Messages(), Version);
        var (response, body) = await emu.PostAsync("v1/messages", Messages(""","stream":true"""), Version);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        var events = Sse.Parse(body);
        Assert.All(events, e => Assert.Equal(e.Event, e.Json.GetProperty("type").GetString()));
        var names = events.Select(e => e.Event).ToList();
        Assert.Equal("message_start", names[0]);
        Assert.Equal("content_block_start", names[1]);
        Assert.Contains("ping", names);
        Assert.Equal(["content_block_stop", "message_delta", "message_stop"], names.TakeLast(3));

        var start = events[0].Json.GetProperty("message");
        Assert.Equal(0, start.GetProperty("content").GetArrayLength());
        Assert.Equal(14, start.GetProperty("usage").GetProperty("input_tokens").GetInt32());
        var text = string.Concat(events.Where(e => e.Event == "content_block_delta")
            .Select(e => e.Json.GetProperty("delta")).Select(d =>
            {
                Assert.Equal("text_delta", d.GetProperty("type").GetString());
                return d.GetProperty("text").GetString();
            }));
        Assert.Equal(whole.GetProperty("content")[0].GetProperty("text").GetString(), text);
        var delta = events[^2].Json;
        Assert.Equal("end_turn", delta.GetProperty("delta").GetProperty("stop_reason").GetString());
        Assert.Equal(whole.GetProperty("usage").GetProperty("output_tokens").GetInt32(),
            delta.GetProperty("usage").GetProperty("output_tokens").GetInt32());
    }

    [Fact]
    public async Task Thinking_StreamsThinkingThenSignatureThenText()
    {
        await using var emu = await Emu.StartAsync();
        var extra = ""","thinking":{"type":"enabled","budget_tokens":2000}""";
        var whole = await emu.PostJsonAsync("v1/messages", Messages(extra), Version);
        var blocks = whole.GetProperty("content").EnumerateArray().ToList();
        Assert.Equal(["thinking", "text"], blocks.Select(b => b.GetProperty("type").GetString()));
        var signature = blocks[0].GetProperty("signature").GetString()!;
        Assert.NotEmpty(Convert.FromBase64String(signature));
        var thinkingTokens = blocks[0].GetProperty("thinking").GetString()!.Split(' ').Length;
        Assert.Equal(thinkingTokens + blocks[1].GetProperty("text").GetString()!.Split(' ').Length,
            whole.GetProperty("usage").GetProperty("output_tokens").GetInt32());

        var (_, body) = await emu.PostAsync("v1/messages", Messages(extra + ""","stream":true"""), Version);
        var events = Sse.Parse(body).Where(e => e.Event != "ping").ToList();
        var first = events[1].Json.GetProperty("content_block");
        Assert.Equal("thinking", first.GetProperty("type").GetString());
        var deltaTypes = events.Where(e => e.Event == "content_block_delta" && e.Json.GetProperty("index").GetInt32() == 0)
            .Select(e => e.Json.GetProperty("delta").GetProperty("type").GetString()).ToList();
        Assert.Equal("signature_delta", deltaTypes[^1]);
        Assert.All(deltaTypes.SkipLast(1), t => Assert.Equal("thinking_delta", t));
        var signatureDelta = events.Single(e => e.Event == "content_block_delta" &&
            e.Json.GetProperty("delta").GetProperty("type").GetString() == "signature_delta");
        Assert.Equal(signature, signatureDelta.Json.GetProperty("delta").GetProperty("signature").GetString());
        Assert.Contains(events, e => e.Event == "content_block_start" && e.Json.GetProperty("index").GetInt32() == 1 &&
            e.Json.GetProperty("content_block").GetProperty("type").GetString() == "text");
    }

    [Fact]
    public async Task ToolUse_StreamsInputJsonThatValidates()
    {
        await using var emu = await Emu.StartAsync();
        var extra = $$""","tools":[{"name":"get_weather","description":"Weather","input_schema":{{OpenAiTests.WeatherSchema}}}]""";
        var whole = await emu.PostJsonAsync("v1/messages", Messages(extra), Version);
        Assert.Equal("tool_use", whole.GetProperty("stop_reason").GetString());
        var block = Assert.Single(whole.GetProperty("content").EnumerateArray());
        Assert.Equal("tool_use", block.GetProperty("type").GetString());
        Assert.StartsWith("toolu_", block.GetProperty("id").GetString());
        SchemaCheck.Validate(JsonDocument.Parse(OpenAiTests.WeatherSchema).RootElement, block.GetProperty("input"));

        var (_, body) = await emu.PostAsync("v1/messages", Messages(extra + ""","stream":true"""), Version);
        var events = Sse.Parse(body);
        var start = events.Single(e => e.Event == "content_block_start").Json.GetProperty("content_block");
        Assert.Equal("tool_use", start.GetProperty("type").GetString());
        Assert.Empty(start.GetProperty("input").EnumerateObject());
        var json = string.Concat(events.Where(e => e.Event == "content_block_delta").Select(e =>
        {
            var d = e.Json.GetProperty("delta");
            Assert.Equal("input_json_delta", d.GetProperty("type").GetString());
            return d.GetProperty("partial_json").GetString();
        }));
        Assert.Equal(block.GetProperty("input").GetRawText(), JsonDocument.Parse(json).RootElement.GetRawText());

        var afterResult = await emu.PostJsonAsync("v1/messages", $$"""
            {"model":"claude","max_tokens":100,"messages":[{"role":"user","content":"weather?"},
             {"role":"assistant","content":[{"type":"tool_use","id":"toolu_1","name":"get_weather","input":{"city":"Paris"} }]},
             {"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_1","content":"sunny"}]}]{{extra}}}
            """, Version);
        Assert.Equal("end_turn", afterResult.GetProperty("stop_reason").GetString());
        Assert.Equal("text", afterResult.GetProperty("content")[0].GetProperty("type").GetString());
    }

    [Fact]
    public async Task StopSequenceAndMaxTokens_AreReported()
    {
        await using var emu = await Emu.StartAsync();
        var text = (await emu.PostJsonAsync("v1/messages", Messages(), Version)).GetProperty("content")[0].GetProperty("text").GetString()!;
        var stop = text.Split(' ')[4];
        var stopped = await emu.PostJsonAsync("v1/messages", Messages($$""","stop_sequences":["{{stop}}"]"""), Version);
        Assert.Equal("stop_sequence", stopped.GetProperty("stop_reason").GetString());
        Assert.Equal(stop, stopped.GetProperty("stop_sequence").GetString());
        Assert.Equal(text[..text.IndexOf(stop, StringComparison.Ordinal)], stopped.GetProperty("content")[0].GetProperty("text").GetString());

        var capped = await emu.PostJsonAsync("v1/messages", Messages().Replace("1024", "3", StringComparison.Ordinal), Version);
        Assert.Equal("max_tokens", capped.GetProperty("stop_reason").GetString());
        Assert.Equal(3, capped.GetProperty("usage").GetProperty("output_tokens").GetInt32());
    }

    [Fact]
    public async Task CountTokens_MatchesMessagesInputTokens()
    {
        await using var emu = await Emu.StartAsync();
        var count = await emu.PostJsonAsync("v1/messages/count_tokens",
            """{"model":"claude","system":"Be brief.","messages":[{"role":"user","content":"Tell me a story"}]}""", Version);
        Assert.Equal(14, count.GetProperty("input_tokens").GetInt32());
        Assert.Single(count.EnumerateObject());
    }

    [Fact]
    public async Task Errors_UseAnthropicEnvelope()
    {
        await using var emu = await Emu.StartAsync(new EmulatorOptions { RequiredApiKey = "ak" });
        static (string Type, string Message) Error(string body)
        {
            var root = JsonDocument.Parse(body).RootElement;
            Assert.Equal("error", root.GetProperty("type").GetString());
            var error = root.GetProperty("error");
            return (error.GetProperty("type").GetString()!, error.GetProperty("message").GetString()!);
        }

        var (unauth, unauthBody) = await emu.PostAsync("v1/messages", Messages(), Version);
        Assert.Equal(HttpStatusCode.Unauthorized, unauth.StatusCode);
        Assert.Equal("authentication_error", Error(unauthBody).Type);

        var key = ("x-api-key", "ak");
        var (noVersion, noVersionBody) = await emu.PostAsync("v1/messages", Messages(), key);
        Assert.Equal(HttpStatusCode.BadRequest, noVersion.StatusCode);
        Assert.Equal("invalid_request_error", Error(noVersionBody).Type);

        var (missing, missingBody) = await emu.PostAsync("v1/messages", Messages().Replace("claude-sonnet-4-5", "missing-claude", StringComparison.Ordinal), key, Version);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal("not_found_error", Error(missingBody).Type);

        var (bad, badBody) = await emu.PostAsync("v1/messages", "[oops", key, Version);
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Equal("invalid_request_error", Error(badBody).Type);

        var (noMax, noMaxBody) = await emu.PostAsync("v1/messages", """{"model":"claude","messages":[{"role":"user","content":"x"}]}""", key, Version);
        Assert.Equal(HttpStatusCode.BadRequest, noMax.StatusCode);
        Assert.Equal("invalid_request_error", Error(noMaxBody).Type);

        foreach (var (status, type) in new[] { (429, "rate_limit_error"), (500, "api_error"), (529, "overloaded_error") })
        {
            emu.Host.EnqueueFault($"status={status}");
            var (response, body) = await emu.PostAsync("v1/messages", Messages(), key, Version);
            Assert.Equal(status, (int)response.StatusCode);
            Assert.Equal(type, Error(body).Type);
        }

        var ok = await emu.PostJsonAsync("v1/messages", Messages(), key, Version);
        Assert.Equal("message", ok.GetProperty("type").GetString());
    }
}
