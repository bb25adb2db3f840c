using System.Text.Json;
using Candor.FunctionalTests.Infrastructure;

namespace Candor.FunctionalTests.Relay;

/// <summary>Tool calls and images cross every protocol pair with their ids, names and arguments intact.</summary>
[Collection(CandorCollection.Name)]
public sealed class ToolsAndImagesTests(CandorFixture fixture)
{
    public static TheoryData<string> Models => CandorFixture.ChatModels;

    private const string WeatherTool = """
        {"type":"function","function":{"name":"get_weather","description":"Weather for a city","parameters":{"type":"object","properties":{"city":{"type":"string"},"unit":{"type":"string","enum":["c","f"]}},"required":["city","unit"]}}}
        """;

    // 1x1 transparent PNG.
    private const string Png = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==";

    [Theory]
    [MemberData(nameof(Models))]
    public async Task OpenAISurface_ToolCallRoundTrip_WorksOnEveryUpstream(string model)
    {
        using var client = fixture.CreateClient();
        var ct = Json.Timeout();
        using var first = await client.PostAsync("/v1/chat/completions", Json.Body($$$"""
            {"model":"{{{model}}}","tools":[{{{WeatherTool}}}],"tool_choice":"required","messages":[{"role":"user","content":"Weather in Paris?"}]}
            """), ct);
        var body = await Json.ReadAsync(first, ct);
        Assert.Equal(200, (int)first.StatusCode);
        var choice = body.GetProperty("choices")[0];
        Assert.Equal("tool_calls", choice.GetProperty("finish_reason").GetString());
        var call = choice.GetProperty("message").GetProperty("tool_calls")[0];
        Assert.Equal("function", call.GetProperty("type").GetString());
        Assert.Equal("get_weather", call.GetProperty("function").GetProperty("name").GetString());
        using var args = JsonDocument.Parse(call.GetProperty("function").GetProperty("arguments").GetString()!);
        Assert.Equal(JsonValueKind.String, args.RootElement.GetProperty("city").ValueKind);
        Assert.Contains(args.RootElement.GetProperty("unit").GetString(), new[] { "c", "f" });
        string id = call.GetProperty("id").GetString()!;
        Assert.False(string.IsNullOrEmpty(id));

        string argsJson = JsonSerializer.Serialize(args.RootElement.GetRawText());
        using var second = await client.PostAsync("/v1/chat/completions", Json.Body($$$"""
            {"model":"{{{model}}}","tools":[{{{WeatherTool}}}],"messages":[
              {"role":"user","content":"Weather in Paris?"},
              {"role":"assistant","content":null,"tool_calls":[{"id":"{{{id}}}","type":"function","function":{"name":"get_weather","arguments":{{{argsJson}}} } } ] },
              {"role":"tool","tool_call_id":"{{{id}}}","content":"18 degrees and sunny"}]}
            """), ct);
        var answer = await Json.ReadAsync(second, ct);
        Assert.Equal(200, (int)second.StatusCode);
        Assert.Equal("stop", answer.GetProperty("choices")[0].GetProperty("finish_reason").GetString());
        Assert.False(string.IsNullOrWhiteSpace(answer.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString()));
    }

    [Theory]
    [MemberData(nameof(Models))]
    public async Task OpenAISurface_StreamedToolCall_ArrivesAsIndexedDeltas(string model)
    {
        using var client = fixture.CreateClient();
        var ct = Json.Timeout();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
        {
            Content = Json.Body($$$"""
                {"model":"{{{model}}}","stream":true,"tools":[{{{WeatherTool}}}],"tool_choice":{"type":"function","function":{"name":"get_weather"}},"messages":[{"role":"user","content":"Weather in Paris?"}]}
                """),
        };
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
        var events = await Sse.ReadAllAsync(response, ct);
        var deltas = events.Where(e => e.Data != "[DONE]")
            .Select(e => JsonDocument.Parse(e.Data).RootElement)
            .Where(c => c.GetProperty("choices").GetArrayLength() > 0)
            .Select(c => c.GetProperty("choices")[0])
            .ToList();
        var calls = deltas.Where(c => c.GetProperty("delta").TryGetProperty("tool_calls", out _))
            .SelectMany(c => c.GetProperty("delta").GetProperty("tool_calls").EnumerateArray()).ToList();
        Assert.Equal("get_weather", calls[0].GetProperty("function").GetProperty("name").GetString());
        Assert.False(string.IsNullOrEmpty(calls[0].GetProperty("id").GetString()));
        string arguments = string.Concat(calls.Select(c => c.GetProperty("function").GetProperty("arguments").GetString()));
        using var args = JsonDocument.Parse(arguments);
        Assert.True(args.RootElement.TryGetProperty("city", out _));
        // OpenAI itself reports "stop" when a named function is forced; translated upstreams report tool_calls.
        Assert.Contains(deltas.Last(c => c.GetProperty("finish_reason").ValueKind == JsonValueKind.String).GetProperty("finish_reason").GetString(), new[] { "tool_calls", "stop" });
    }

    [Theory]
    [MemberData(nameof(Models))]
    public async Task AnthropicSurface_ToolUse_WorksOnEveryUpstream(string model)
    {
        using var client = fixture.CreateClient();
        var ct = Json.Timeout();
        using var response = await client.PostAsync("/v1/messages", Json.Body($$$"""
            {"model":"{{{model}}}","max_tokens":256,"tools":[{"name":"get_weather","description":"Weather","input_schema":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}}],
             "tool_choice":{"type":"any"},"messages":[{"role":"user","content":"Weather in Paris?"}]}
            """), ct);
        var body = await Json.ReadAsync(response, ct);
        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal("tool_use", body.GetProperty("stop_reason").GetString());
        var block = body.GetProperty("content").EnumerateArray().Single(b => b.GetProperty("type").GetString() == "tool_use");
        Assert.Equal("get_weather", block.GetProperty("name").GetString());
        Assert.Equal(JsonValueKind.String, block.GetProperty("input").GetProperty("city").ValueKind);
    }

    [Theory]
    [MemberData(nameof(Models))]
    public async Task Images_ReachEveryUpstream(string model)
    {
        using var client = fixture.CreateClient();
        var ct = Json.Timeout();
        using var openai = await client.PostAsync("/v1/chat/completions", Json.Body($$$"""
            {"model":"{{{model}}}","messages":[{"role":"user","content":[{"type":"text","text":"What is this?"},{"type":"image_url","image_url":{"url":"data:image/png;base64,{{{Png}}}"}}]}]}
            """), ct);
        var a = await Json.ReadAsync(openai, ct);
        if (model == "m-deepseek")
        {
            // DeepSeek's API takes no image input: the adapter refuses before anything leaves.
            Assert.Equal(400, (int)openai.StatusCode);
            Assert.Contains("image", a.GetProperty("error").GetProperty("message").GetString());
            return;
        }

        Assert.StartsWith("I see 1 image", a.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString());

        using var anthropic = await client.PostAsync("/v1/messages", Json.Body($$$"""
            {"model":"{{{model}}}","max_tokens":64,"messages":[{"role":"user","content":[{"type":"image","source":{"type":"base64","media_type":"image/png","data":"{{{Png}}}"}},{"type":"text","text":"What is this?"}]}]}
            """), ct);
        var b = await Json.ReadAsync(anthropic, ct);
        Assert.StartsWith("I see 1 image", b.GetProperty("content").EnumerateArray().First(p => p.GetProperty("type").GetString() == "text").GetProperty("text").GetString());

        using var gemini = await client.PostAsync($"/v1beta/models/{model}:generateContent", Json.Body($$$"""
            {"contents":[{"role":"user","parts":[{"inlineData":{"mimeType":"image/png","data":"{{{Png}}}"}},{"text":"What is this?"}]}]}
            """), ct);
        var c = await Json.ReadAsync(gemini, ct);
        Assert.StartsWith("I see 1 image", c.GetProperty("candidates")[0].GetProperty("content").GetProperty("parts").EnumerateArray()
            .First(p => !p.TryGetProperty("thought", out _)).GetProperty("text").GetString());
    }
}
