using System.Text.Json;
using Candor.Protocols.Canonical;
using Candor.Protocols.OpenAI;
using static Candor.UnitTests.Protocols.OpenAI.OpenAITestHelpers;

namespace Candor.UnitTests.Protocols.OpenAI;

public sealed class OpenAIChatRequestEncoderTests
{
    private static ChatRequest AnthropicStyleRequest()
    {
        var r = new ChatRequest { Model = "claude", SourceProtocol = WireProtocol.Anthropic, MaxOutputTokens = 100 };
        r.Unmapped = new System.Text.Json.Nodes.JsonObject { ["anthropic_only"] = 1 };
        r.Messages.Add(ChatMessage.Text(ChatRole.System, "sys"));
        r.Messages.Add(ChatMessage.Text(ChatRole.User, "weather?"));
        var assistant = new ChatMessage(ChatRole.Assistant);
        assistant.Parts.Add(new ThinkingPart("let me think") { Signature = "sig" });
        assistant.Parts.Add(new RedactedThinkingPart("opaque"));
        assistant.Parts.Add(new TextPart("Checking."));
        assistant.Parts.Add(new ToolCallPart("toolu_1", "get_weather", "{\"city\":\"Paris\"}"));
        assistant.Parts.Add(new ToolCallPart("toolu_2", "get_map", "{}"));
        r.Messages.Add(assistant);
        var user = new ChatMessage(ChatRole.User);
        var r1 = new ToolResultPart("toolu_1");
        r1.Content.Add(new TextPart("sunny"));
        var r2 = new ToolResultPart("toolu_2") { IsError = true };
        r2.Content.Add(new TextPart("map: "));
        r2.Content.Add(new ImagePart { MediaType = "image/png", Base64Data = "AAAA" });
        user.Parts.Add(r1);
        user.Parts.Add(r2);
        user.Parts.Add(new TextPart("and tomorrow?"));
        r.Messages.Add(user);
        return r;
    }

    [Fact]
    public void AnthropicShapedHistory_BecomesToolMessagesThenUser()
    {
        string body = WriteJson(w => OpenAIChatRequestEncoder.Write(AnthropicStyleRequest(), "gpt-4o", OpenAIRequestOptions.OpenAI, w));
        AssertJsonEqual("""
            {"model":"gpt-4o","messages":[
              {"role":"system","content":"sys"},
              {"role":"user","content":"weather?"},
              {"role":"assistant","content":"Checking.","tool_calls":[
                {"id":"toolu_1","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Paris\"}"}},
                {"id":"toolu_2","type":"function","function":{"name":"get_map","arguments":"{}"}}]},
              {"role":"tool","tool_call_id":"toolu_1","content":"sunny"},
              {"role":"tool","tool_call_id":"toolu_2","content":"map: [image omitted]"},
              {"role":"user","content":"and tomorrow?"}],
             "max_completion_tokens":100}
            """, body);
    }

    [Fact]
    public void CompatibleVendorOptions_MapFieldsToWhatTheVendorTakes()
    {
        var r = new ChatRequest { Model = "m", MaxOutputTokens = 50, Temperature = 1.7, Seed = 1, Logprobs = true, TopLogprobs = 2, PresencePenalty = 1, User = "u1", ReasoningEffort = "high", TopK = 5, Stream = true };
        r.Metadata = new Dictionary<string, string> { ["k"] = "v" };
        r.Messages.Add(ChatMessage.Text(ChatRole.Developer, "dev"));
        r.Messages.Add(ChatMessage.Text(ChatRole.User, "hi"));
        r.ResponseFormat = new ResponseFormat(ResponseFormatKind.JsonSchema) { SchemaName = "s", Schema = JsonDocument.Parse("{}").RootElement };
        var options = new OpenAIRequestOptions
        {
            UseMaxCompletionTokens = false,
            DeveloperRoleSupported = false,
            MaxTemperature = 1.0,
            SeedSupported = false,
            LogprobsSupported = false,
            PenaltiesSupported = false,
            UserFieldName = "user_id",
            ReasoningEffortSupported = false,
            MetadataSupported = false,
            JsonSchemaSupported = false,
            StreamUsageSupported = false,
            TopKSupported = true,
        };
        string body = WriteJson(w => OpenAIChatRequestEncoder.Write(r, "m", options, w));
        AssertJsonEqual("""
            {"model":"m","messages":[{"role":"system","content":"dev"},{"role":"user","content":"hi"}],
             "response_format":{"type":"json_object"},"max_tokens":50,"temperature":1.0,"top_k":5,"user_id":"u1","stream":true}
            """, body);
    }

    private static ChatRequest WithTools(ToolChoice choice)
    {
        var r = new ChatRequest { Model = "m", ToolChoice = choice, ParallelToolCalls = true };
        r.Messages.Add(ChatMessage.Text(ChatRole.User, "hi"));
        r.Tools.Add(new ToolDefinition("a"));
        r.Tools.Add(new ToolDefinition("b") { Description = "B" });
        return r;
    }

    [Theory]
    [InlineData(ToolChoiceMode.Required, "b", true, true, true, """{"tools":["a","b"],"tool_choice":"required"}""")]
    [InlineData(ToolChoiceMode.Required, "b", false, true, true, """{"tools":["a","b"],"tool_choice":"auto"}""")]
    [InlineData(ToolChoiceMode.Specific, "b", true, false, true, """{"tools":["b"],"tool_choice":"required"}""")]
    [InlineData(ToolChoiceMode.Specific, "b", false, false, true, """{"tools":["b"],"tool_choice":"auto"}""")]
    [InlineData(ToolChoiceMode.None, null, true, true, false, """{"tools":[],"tool_choice":null}""")]
    [InlineData(ToolChoiceMode.None, null, true, true, true, """{"tools":["a","b"],"tool_choice":"none"}""")]
    public void ToolChoice_DegradesToWhatTheVendorSupports(ToolChoiceMode mode, string? name, bool required, bool specific, bool none, string expected)
    {
        var options = new OpenAIRequestOptions { ToolChoiceRequiredSupported = required, ToolChoiceSpecificSupported = specific, ToolChoiceNoneSupported = none, ParallelToolCallsSupported = false };
        string body = WriteJson(w => OpenAIChatRequestEncoder.Write(WithTools(new ToolChoice(mode, name)), "m", options, w));
        using var doc = JsonDocument.Parse(body);
        var tools = doc.RootElement.TryGetProperty("tools", out var t) ? t.EnumerateArray().Select(static x => x.GetProperty("function").GetProperty("name").GetString()).ToArray() : [];
        string? choice = doc.RootElement.TryGetProperty("tool_choice", out var c) ? c.GetString() : null;
        using var exp = JsonDocument.Parse(expected);
        Assert.Equal(exp.RootElement.GetProperty("tools").EnumerateArray().Select(static x => x.GetString()).ToArray(), tools);
        Assert.Equal(exp.RootElement.GetProperty("tool_choice").GetString(), choice);
        Assert.False(doc.RootElement.TryGetProperty("parallel_tool_calls", out _));
    }
}
