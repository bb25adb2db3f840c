using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Candor.FunctionalTests.Infrastructure;

namespace Candor.FunctionalTests.Relay;

/// <summary>The bugs real clients met (issue 14 items 5, 8-12), through the real server and the emulator.</summary>
[Collection(CandorCollection.Name)]
public sealed class RealClientWireTests(CandorFixture fixture)
{
    private const string WeatherTool = """{"type":"function","function":{"name":"get_weather","description":"Weather of a city","parameters":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}}}""";

    [Fact]
    public async Task ThinkingToolLoop_OpenAIClientAnthropicUpstream_SecondTurnCarriesTheSignedThinkingBlock()
    {
        var ct = Json.Timeout(30);
        using var client = fixture.CreateClient();
        var first = $$"""
            {"model":"m-anthropic","stream":true,"reasoning_effort":"low","max_tokens":3000,"tools":[{{WeatherTool}}],
             "messages":[{"role":"user","content":"What is the weather in Paris?"}]}
            """;
        using var response = await client.PostAsync("/v1/chat/completions", Json.Body(first), ct);
        Assert.Equal(200, (int)response.StatusCode);
        var assistant = AccumulateLikeTheOpenAISdk(await Sse.ReadAllAsync(response, ct));
        Assert.NotNull(assistant["reasoning_signature"]);
        string callId = ((string?)assistant["tool_calls"]![0]!["id"])!;

        // The emulator answers as Anthropic does: 400 when thinking is on and the tool turn lacks its signed thinking.
        var (withCarrier, withCarrierBody) = await SecondTurnAsync(client, assistant, callId, ct);
        Assert.True(withCarrier == 200, withCarrierBody);
        var forwarded = JsonNode.Parse(fixture.Emulator.Journal.Last!.BodyText)!;
        var content = forwarded["messages"]![1]!["content"]!.AsArray();
        Assert.Equal("thinking", (string?)content[0]!["type"]);
        Assert.False(string.IsNullOrEmpty((string?)content[0]!["signature"]));
        Assert.Equal("tool_use", (string?)content[^1]!["type"]);

        // The control: without the carrier the thinking cannot go back signed, and Anthropic (as the emulator) refuses
        // manual thinking for that turn; Candor sends the turn without thinking rather than inventing a signature.
        assistant.Remove("reasoning_signature");
        var (without, withoutBody) = await SecondTurnAsync(client, assistant, callId, ct);
        Assert.True(without == 200, withoutBody);
        var unsigned = JsonNode.Parse(fixture.Emulator.Journal.Last!.BodyText)!;
        Assert.Null(unsigned["thinking"]);
        Assert.DoesNotContain(unsigned["messages"]![1]!["content"]!.AsArray(), static b => (string?)b!["type"] is "thinking" or "redacted_thinking");
    }

    [Fact]
    public async Task MalformedUpstreamEvent_AnthropicFastPath_IsDroppedBeforeTheErrorEvent()
    {
        var ct = Json.Timeout();
        using var client = fixture.CreateClient();
        using var response = await client.PostAsync("/v1/messages", Json.Body("""
            {"model":"m-anthropic","max_tokens":200,"stream":true,"messages":[{"role":"user","content":"[[emulator:tokens=40;malformed_sse]] go"}]}
            """), ct);
        Assert.Equal("fast", response.Headers.GetValues("x-candor-path").Single());
        var events = await Sse.ReadAllAsync(response, ct);
        Assert.Equal("error", events[^1].Type);
        Assert.All(events, static e => JsonDocument.Parse(e.Data).Dispose());
    }

    [Fact]
    public async Task GeminiFastPath_KeepsTheVendorsCrlfFraming()
    {
        var ct = Json.Timeout();
        using var client = fixture.CreateClient();
        using var response = await client.PostAsync("/v1beta/models/m-gemini:streamGenerateContent?alt=sse", Json.Body("""
            {"contents":[{"role":"user","parts":[{"text":"[[emulator:tokens=12;crlf]] go"}]}]}
            """), ct);
        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal("fast", response.Headers.GetValues("x-candor-path").Single());
        string body = await response.Content.ReadAsStringAsync(ct);
        Assert.EndsWith("}\r\n\r\n", body, StringComparison.Ordinal);
        Assert.DoesNotContain("}\n\n", body, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/v1/chat/completions", "m-anthropic", "status=529", 503)]
    [InlineData("/v1/chat/completions", "m-gemini", "status=503", 503)]
    [InlineData("/v1/messages", "m-gemini", "status=503", 529)]
    [InlineData("/v1/messages", "m-anthropic", "status=529", 529)]
    [InlineData("/v1beta/models/m-anthropic:generateContent", "m-anthropic", "status=529", 503)]
    public async Task OverloadedUpstream_AnswersInTheSurfacesOwnStatus(string path, string model, string fault, int expected)
    {
        var ct = Json.Timeout();
        using var client = fixture.CreateClient();
        string prompt = $"[[emulator:{fault}]] go";
        string body = path.StartsWith("/v1beta", StringComparison.Ordinal)
            ? $$"""{"contents":[{"role":"user","parts":[{"text":"{{prompt}}"}]}]}"""
            : $$"""{"model":"{{model}}","max_tokens":50,"messages":[{"role":"user","content":"{{prompt}}"}]}""";
        using var response = await client.PostAsync(path, Json.Body(body), ct);
        Assert.Equal(expected, (int)response.StatusCode);
        var error = await Json.ReadAsync(response, ct);
        if (path.StartsWith("/v1beta", StringComparison.Ordinal))
        {
            Assert.Equal(expected, error.GetProperty("error").GetProperty("code").GetInt32());
        }
    }

    [Theory]
    [InlineData("m-openai")]
    [InlineData("m-gemini")]
    public async Task TranslatedAnthropicStream_MessageStartCarriesTheInputCount(string model)
    {
        var ct = Json.Timeout();
        using var client = fixture.CreateClient();
        using var response = await client.PostAsync("/v1/messages", Json.Body($$"""
            {"model":"{{model}}","max_tokens":100,"stream":true,"messages":[{"role":"user","content":"[[emulator:tokens=5]] Tell me about the weather in Paris in spring."}]}
            """), ct);
        Assert.Equal("translated", response.Headers.GetValues("x-candor-path").Single());
        var events = await Sse.ReadAllAsync(response, ct);
        var start = JsonDocument.Parse(events[0].Data).RootElement;
        Assert.Equal("message_start", events[0].Type);
        Assert.True(start.GetProperty("message").GetProperty("usage").GetProperty("input_tokens").GetInt32() > 0);
    }

    [Theory]
    [InlineData("m-anthropic", "fast")]
    [InlineData("m-openai", "translated")]
    [InlineData("m-gemini", "translated")]
    public async Task ClaudeCodeShapedRequest_IsServedOnEveryPath(string model, string path)
    {
        var ct = Json.Timeout();
        using var client = fixture.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/messages")
        {
            Content = Json.Body($$$"""
                {"model":"{{{model}}}","max_tokens":2000,"stream":true,
                 "system":[{"type":"text","text":"You are Claude Code.","cache_control":{"type":"ephemeral"}}],
                 "messages":[
                   {"role":"user","content":[{"type":"text","text":"[[emulator:tokens=6]] List the files."}]},
                   {"role":"system","content":[{"type":"text","text":"Tools changed: use Bash."}],"cache_control":{"type":"ephemeral"}},
                   {"role":"assistant","content":"Listing."},
                   {"role":"user","content":"Go on."}],
                 "thinking":{"type":"adaptive"},
                 "output_config":{"effort":"medium"},
                 "context_management":{"edits":[]}}
                """),
        };
        request.Headers.Add("anthropic-beta", "mid-conversation-tool-changes-2026-11-01,interleaved-thinking-2025-05-14");
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal(path, response.Headers.GetValues("x-candor-path").Single());
        var events = await Sse.ReadAllAsync(response, ct);
        Assert.Equal("message_stop", events[^1].Type);

        var upstream = fixture.Emulator.Journal.Last!;
        if (path == "fast")
        {
            Assert.Equal("mid-conversation-tool-changes-2026-11-01,interleaved-thinking-2025-05-14", upstream.Header("anthropic-beta"));
            var forwarded = JsonNode.Parse(upstream.BodyText)!;
            Assert.Equal("system", (string?)forwarded["messages"]![1]!["role"]);
            Assert.Equal("adaptive", (string?)forwarded["thinking"]!["type"]);
            Assert.NotNull(forwarded["context_management"]);
        }
        else
        {
            Assert.Contains("Tools changed: use Bash.", upstream.BodyText, StringComparison.Ordinal);
        }
    }

    private static async Task<(int Status, string Body)> SecondTurnAsync(HttpClient client, JsonObject assistant, string callId, CancellationToken ct)
    {
        var body = new JsonObject
        {
            ["model"] = "m-anthropic",
            ["reasoning_effort"] = "low",
            ["max_tokens"] = 3000,
            ["tools"] = new JsonArray(JsonNode.Parse(WeatherTool)),
            ["messages"] = new JsonArray(
                new JsonObject { ["role"] = "user", ["content"] = "What is the weather in Paris?" },
                assistant.DeepClone(),
                new JsonObject { ["role"] = "tool", ["tool_call_id"] = callId, ["content"] = "sunny, 21 C" }),
        };
        using var response = await client.PostAsync("/v1/chat/completions", Json.Body(body.ToJsonString()), ct);
        return ((int)response.StatusCode, await response.Content.ReadAsStringAsync(ct));
    }

    /// <summary>The assistant message as the openai Node SDK's stream accumulator builds it: content and tool-call
    /// arguments appended, every other delta field assigned (its last value wins, reasoning_content included).</summary>
    private static JsonObject AccumulateLikeTheOpenAISdk(List<Sse.Event> events)
    {
        var message = new JsonObject { ["role"] = "assistant" };
        var calls = new SortedDictionary<int, JsonObject>();
        foreach (var e in events.Where(static e => e.Data != "[DONE]"))
        {
            var choices = JsonNode.Parse(e.Data)!["choices"]!.AsArray();
            if (choices.Count == 0)
            {
                continue;
            }

            foreach (var (name, value) in choices[0]!["delta"]!.AsObject())
            {
                if (name == "role")
                {
                    continue;
                }

                if (name == "content")
                {
                    message["content"] = (string?)message["content"] + (string?)value;
                }
                else if (name == "tool_calls")
                {
                    foreach (var call in value!.AsArray())
                    {
                        int index = (int)call!["index"]!;
                        if (!calls.TryGetValue(index, out var c))
                        {
                            calls[index] = c = new JsonObject { ["id"] = (string?)call["id"], ["type"] = "function", ["function"] = new JsonObject { ["name"] = (string?)call["function"]!["name"], ["arguments"] = "" } };
                        }

                        c["function"]!["arguments"] = (string?)c["function"]!["arguments"] + (string?)call["function"]!["arguments"];
                    }
                }
                else
                {
                    message[name] = value?.DeepClone();
                }
            }
        }

        message["tool_calls"] = new JsonArray([.. calls.Values]);
        return message;
    }
}
