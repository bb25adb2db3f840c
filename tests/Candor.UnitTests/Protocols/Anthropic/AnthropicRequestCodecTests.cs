using System.Text;
using System.Text.Json;
using Candor.Protocols.Anthropic;
using Candor.Protocols.Canonical;
using static Candor.UnitTests.Protocols.Anthropic.AnthropicTestHelpers;

namespace Candor.UnitTests.Protocols.Anthropic;

public sealed class AnthropicRequestCodecTests
{
    // Every feature of the Messages vocabulary Candor models, plus fields it keeps verbatim.
    private const string FullRequest = """
        {
          "model": "claude-sonnet-4-5",
          "max_tokens": 2048,
          "system": [
            {"type": "text", "text": "You are a careful assistant."},
            {"type": "text", "text": "Long reference text.", "cache_control": {"type": "ephemeral"}}
          ],
          "messages": [
            {"role": "user", "content": [
              {"type": "text", "text": "What is in this image and document?"},
              {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": "iVBORw0KGgo="}},
              {"type": "image", "source": {"type": "url", "url": "https://example.com/cat.jpg"}},
              {"type": "document", "source": {"type": "base64", "media_type": "application/pdf", "data": "JVBERi0="}, "title": "Report", "citations": {"enabled": true}},
              {"type": "document", "source": {"type": "text", "media_type": "text/plain", "data": "Plain notes."}}
            ]},
            {"role": "assistant", "content": [
              {"type": "thinking", "thinking": "The user wants weather.", "signature": "EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxBdjrkzLoky3dl1pkiMOYds+/Xv9A=="},
              {"type": "redacted_thinking", "data": "EmwKAhgBEgy3va3pzix/LafPsn4a"},
              {"type": "text", "text": "Let me check."},
              {"type": "tool_use", "id": "toolu_01A09q90qw90lq917835lq9", "name": "get_weather", "input": {"location": "San Francisco, CA", "unit": "celsius"}}
            ]},
            {"role": "user", "content": [
              {"type": "tool_result", "tool_use_id": "toolu_01A09q90qw90lq917835lq9", "content": "15 degrees"},
              {"type": "tool_result", "tool_use_id": "toolu_2", "content": [{"type": "text", "text": "chart"}, {"type": "image", "source": {"type": "base64", "media_type": "image/jpeg", "data": "/9j/4AAQ"}}], "is_error": true},
              {"type": "text", "text": "Thanks", "cache_control": {"type": "ephemeral", "ttl": "1h"}}
            ]}
          ],
          "tools": [
            {"name": "get_weather", "description": "Get the current weather in a given location", "input_schema": {"type": "object", "properties": {"location": {"type": "string"}, "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]}}, "required": ["location"]}, "cache_control": {"type": "ephemeral"}},
            {"type": "web_search_20250305", "name": "web_search", "max_uses": 5}
          ],
          "tool_choice": {"type": "any", "disable_parallel_tool_use": true},
          "stop_sequences": ["\n\nHuman:"],
          "temperature": 0.7,
          "top_p": 0.9,
          "top_k": 40,
          "metadata": {"user_id": "13803d75-b4b5-4c3e-b2a2-6f21399b021b"},
          "thinking": {"type": "enabled", "budget_tokens": 1024},
          "service_tier": "auto",
          "container": "container_123",
          "stream": true
        }
        """;

    [Fact]
    public void FullRequest_DecodesEveryField()
    {
        var r = Decode(FullRequest);

        Assert.Equal(WireProtocol.Anthropic, r.SourceProtocol);
        Assert.Equal("claude-sonnet-4-5", r.Model);
        Assert.Equal(2048, r.MaxOutputTokens);
        Assert.True(r.Stream);
        Assert.Equal(0.7, r.Temperature);
        Assert.Equal(0.9, r.TopP);
        Assert.Equal(40, r.TopK);
        Assert.Equal(["\n\nHuman:"], r.Stop);
        Assert.Equal("13803d75-b4b5-4c3e-b2a2-6f21399b021b", r.User);
        Assert.Equal(1024, r.ThinkingBudget);
        Assert.Equal(ToolChoiceMode.Required, r.ToolChoice!.Mode);
        Assert.False(r.ParallelToolCalls);

        Assert.Equal([ChatRole.System, ChatRole.User, ChatRole.Assistant, ChatRole.User], r.Messages.Select(static m => m.Role));
        var system = r.Messages[0].Parts.Cast<TextPart>().ToList();
        Assert.Null(system[0].Extra);
        Assert.Equal("""{"cache_control":{"type":"ephemeral"}}""", system[1].Extra!.Value.GetRawText());

        var user = r.Messages[1].Parts;
        Assert.Equal("image/png", Assert.IsType<ImagePart>(user[1]).MediaType);
        Assert.Equal("https://example.com/cat.jpg", Assert.IsType<ImagePart>(user[2]).Url);
        var pdf = Assert.IsType<FilePart>(user[3]);
        Assert.Equal(("application/pdf", "JVBERi0=", "Report"), (pdf.MediaType, pdf.Base64Data, pdf.FileName));
        Assert.Equal("text/plain", Assert.IsType<FilePart>(user[4]).MediaType);

        var assistant = r.Messages[2].Parts;
        Assert.Equal(AnthropicUpstreamDecoderTests.Signature, Assert.IsType<ThinkingPart>(assistant[0]).Signature);
        Assert.Equal("EmwKAhgBEgy3va3pzix/LafPsn4a", Assert.IsType<RedactedThinkingPart>(assistant[1]).Data);
        var call = Assert.IsType<ToolCallPart>(assistant[3]);
        Assert.Equal(("toolu_01A09q90qw90lq917835lq9", "get_weather"), (call.Id, call.Name));
        Assert.Equal("San Francisco, CA", JsonDocument.Parse(call.ArgumentsJson).RootElement.GetProperty("location").GetString());

        var results = r.Messages[3].Parts;
        var first = Assert.IsType<ToolResultPart>(results[0]);
        Assert.Equal("15 degrees", first.Text());
        Assert.False(first.IsError);
        var second = Assert.IsType<ToolResultPart>(results[1]);
        Assert.True(second.IsError);
        Assert.IsType<ImagePart>(second.Content[1]);

        var tool = Assert.Single(r.Tools);
        Assert.Equal("get_weather", tool.Name);
        Assert.Equal(JsonValueKind.Object, tool.Parameters!.Value.ValueKind);
        Assert.NotNull(r.Unmapped!["tools"]);
        Assert.Equal("auto", r.Unmapped["service_tier"]!.GetValue<string>());
        Assert.Equal("container_123", r.Unmapped["container"]!.GetValue<string>());
    }

    [Fact]
    public void FullRequest_RoundTripsThroughTheEncoder()
    {
        var r = Decode(FullRequest);
        string encoded = EncodeRequest(r, "claude-sonnet-4-5");

        AssertJsonEqual(FullRequest, encoded);
    }

    [Fact]
    public void ThinkingSignature_IsWrittenByteExact()
    {
        var r = Decode(FullRequest);
        string encoded = EncodeRequest(r, "m");

        Assert.Contains("\"signature\":\"" + AnthropicUpstreamDecoderTests.Signature + "\"", encoded, StringComparison.Ordinal);
        Assert.Contains("\"data\":\"EmwKAhgBEgy3va3pzix/LafPsn4a\"", encoded, StringComparison.Ordinal);
    }

    [Fact]
    public void SystemString_StaysAString()
    {
        const string body = """{"model":"m","max_tokens":10,"system":"Be brief.","messages":[{"role":"user","content":"Hi"}]}""";
        var r = Decode(body);

        Assert.Equal("Be brief.", r.Messages[0].TextContent());
        AssertJsonEqual(body, EncodeRequest(r, "m"));
    }

    [Fact]
    public void CountTokensBody_WithoutMaxTokens_DecodesAndEncodesCountFields()
    {
        const string body = """
            {"model":"claude-opus-4-6","system":"You are a scientist","messages":[{"role":"user","content":"Hello, Claude"}],
             "tools":[{"name":"t","input_schema":{"type":"object"}}],"tool_choice":{"type":"auto"},"thinking":{"type":"enabled","budget_tokens":2000}}
            """;
        Assert.True(AnthropicRequestDecoder.TryDecodeCountTokens(Encoding.UTF8.GetBytes(body), out var r, out _));
        Assert.Null(r.MaxOutputTokens);

        AssertJsonEqual(body, EncodeRequest(r, "claude-opus-4-6", countTokens: true));
        Assert.False(AnthropicRequestDecoder.TryDecode(Encoding.UTF8.GetBytes(body), out _, out var error));
        Assert.Equal("max_tokens", error.Param);
    }

    [Fact]
    public void CountTokens_DropsMessagesOnlyFields()
    {
        var r = Decode("""{"model":"m","max_tokens":5,"messages":[{"role":"user","content":"x"}],"stream":true,"temperature":0.5,"service_tier":"auto","mcp_servers":[]}""");

        AssertJsonEqual("""{"model":"m","messages":[{"role":"user","content":"x"}],"mcp_servers":[]}""", EncodeRequest(r, "m", countTokens: true));
    }

    [Theory]
    [InlineData("{", null, "not valid JSON")]
    [InlineData("[]", null, "JSON object")]
    [InlineData("""{"max_tokens":1,"messages":[]}""", "model", "model")]
    [InlineData("""{"model":"m","messages":[]}""", "max_tokens", "max_tokens")]
    [InlineData("""{"model":"m","max_tokens":1}""", "messages", "messages")]
    [InlineData("""{"model":"m","max_tokens":"1","messages":[]}""", "max_tokens", "max_tokens")]
    [InlineData("""{"model":"m","max_tokens":1,"messages":[{"role":"system","content":"SECRET"}]}""", "messages", "messages.0.role")]
    [InlineData("""{"model":"m","max_tokens":1,"messages":[{"role":"user"}]}""", "messages", "messages.0.content")]
    [InlineData("""{"model":"m","max_tokens":1,"messages":[{"role":"user","content":42}]}""", "messages", "messages.0.content")]
    [InlineData("""{"model":"m","max_tokens":1,"messages":[{"role":"user","content":[{"type":"tool_use","id":"a","name":"b","input":{}}]}]}""", "messages", "messages.0.content.0.type")]
    [InlineData("""{"model":"m","max_tokens":1,"messages":[{"role":"user","content":[{"type":"text","text":7}]}]}""", "messages", "messages.0.content.0.text")]
    [InlineData("""{"model":"m","max_tokens":1,"system":5,"messages":[]}""", "system", "system")]
    [InlineData("""{"model":"m","max_tokens":1,"messages":[],"tools":[{"name":"t"}]}""", "tools", "tools.0.input_schema")]
    [InlineData("""{"model":"m","max_tokens":1,"messages":[],"tool_choice":{"type":"tool"}}""", "tool_choice", "tool_choice.name")]
    [InlineData("""{"model":"m","max_tokens":1,"messages":[],"thinking":{"type":"enabled"}}""", "thinking", "thinking.budget_tokens")]
    [InlineData("""{"model":"m","max_tokens":1,"messages":[],"stream":"yes"}""", "stream", "stream")]
    public void InvalidRequests_Return400NamingTheField(string body, string? param, string fragment)
    {
        var error = DecodeError(body);

        Assert.Equal(400, error.StatusCode);
        Assert.Equal(RelayErrorKind.InvalidRequest, error.Kind);
        Assert.Equal(param, error.Param);
        Assert.Contains(fragment, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("SECRET", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ThinkingDisabled_IsNull_AdaptiveKeptVerbatim()
    {
        Assert.Null(Decode("""{"model":"m","max_tokens":1,"messages":[],"thinking":{"type":"disabled"}}""").ThinkingBudget);

        const string adaptive = """{"model":"m","max_tokens":1,"messages":[{"role":"user","content":"x"}],"thinking":{"type":"adaptive"}}""";
        var r = Decode(adaptive);
        Assert.Null(r.ThinkingBudget);
        AssertJsonEqual(adaptive, EncodeRequest(r, "m"));
    }

    [Fact]
    public void OutputConfigFormat_BecomesJsonSchemaAndRoundTrips()
    {
        const string body = """{"model":"m","max_tokens":1,"messages":[{"role":"user","content":"x"}],"output_config":{"format":{"type":"json_schema","schema":{"type":"object"}}}}""";
        var r = Decode(body);

        Assert.Equal(ResponseFormatKind.JsonSchema, r.ResponseFormat!.Kind);
        Assert.Null(r.Unmapped);
        AssertJsonEqual(body, EncodeRequest(r, "m"));
    }

    // --- canonical (as another surface would produce it) → Anthropic upstream ---

    private static ChatRequest OpenAiStyle()
    {
        var r = new ChatRequest { Model = "gpt-public", SourceProtocol = WireProtocol.OpenAI, Temperature = 1.5, Seed = 7, PresencePenalty = 0.5, User = "u-1", ParallelToolCalls = false };
        r.Messages.Add(ChatMessage.Text(ChatRole.System, "Sys one."));
        r.Messages.Add(ChatMessage.Text(ChatRole.User, "Hello"));
        r.Messages.Add(ChatMessage.Text(ChatRole.Developer, "Dev two."));
        r.Messages.Add(ChatMessage.Text(ChatRole.User, "Again"));
        var assistant = new ChatMessage(ChatRole.Assistant);
        assistant.Parts.Add(new TextPart(""));
        assistant.Parts.Add(new ThinkingPart("unsigned reasoning"));
        assistant.Parts.Add(new ToolCallPart("call_1", "get_weather", "{\"city\":\"Paris\"}"));
        assistant.Parts.Add(new ToolCallPart("call_2", "broken", "{\"city\":"));
        r.Messages.Add(assistant);
        var tool1 = new ChatMessage(ChatRole.Tool) { Name = "call_1" };
        tool1.Parts.Add(new TextPart("18C"));
        r.Messages.Add(tool1);
        var tool2 = new ChatMessage(ChatRole.Tool);
        var result = new ToolResultPart("call_2") { IsError = true };
        result.Content.Add(new TextPart("bad args"));
        tool2.Parts.Add(result);
        r.Messages.Add(tool2);
        var user = new ChatMessage(ChatRole.User);
        user.Parts.Add(new TextPart("Look:"));
        user.Parts.Add(ImagePart.FromUrl("data:image/png;base64,AAAA"));
        user.Parts.Add(ImagePart.FromUrl("https://example.com/a.png", "high"));
        r.Messages.Add(user);
        r.Tools.Add(new ToolDefinition("get_weather") { Description = "Weather", Parameters = JsonDocument.Parse("""{"type":"object","properties":{"city":{"type":"string"}}}""").RootElement });
        r.Tools.Add(new ToolDefinition("noargs"));
        r.Stop.Add("STOP");
        r.Unmapped = new() { ["store"] = true };
        return r;
    }

    [Fact]
    public void OpenAiStyleRequest_EncodesToValidAnthropicBody()
    {
        string encoded = EncodeRequest(OpenAiStyle(), "claude-upstream");

        AssertJsonEqual(
            """
            {
              "model": "claude-upstream",
              "max_tokens": 4096,
              "system": [{"type":"text","text":"Sys one."},{"type":"text","text":"Dev two."}],
              "messages": [
                {"role":"user","content":[{"type":"text","text":"Hello"},{"type":"text","text":"Again"}]},
                {"role":"assistant","content":[
                  {"type":"tool_use","id":"call_1","name":"get_weather","input":{"city":"Paris"}},
                  {"type":"tool_use","id":"call_2","name":"broken","input":{}}]},
                {"role":"user","content":[
                  {"type":"tool_result","tool_use_id":"call_1","content":"18C"},
                  {"type":"tool_result","tool_use_id":"call_2","content":"bad args","is_error":true},
                  {"type":"text","text":"Look:"},
                  {"type":"image","source":{"type":"base64","media_type":"image/png","data":"AAAA"}},
                  {"type":"image","source":{"type":"url","url":"https://example.com/a.png"}}]}
              ],
              "tools": [
                {"name":"get_weather","description":"Weather","input_schema":{"type":"object","properties":{"city":{"type":"string"}}}},
                {"name":"noargs","input_schema":{"type":"object","properties":{}}}
              ],
              "tool_choice": {"type":"auto","disable_parallel_tool_use":true},
              "stop_sequences": ["STOP"],
              "temperature": 1,
              "metadata": {"user_id":"u-1"}
            }
            """,
            encoded);
    }

    [Fact]
    public void ToolResultsAfterText_AreMovedFirstInTheMergedUserTurn()
    {
        var r = new ChatRequest { Model = "m", SourceProtocol = WireProtocol.OpenAI };
        var assistant = new ChatMessage(ChatRole.Assistant);
        assistant.Parts.Add(new ToolCallPart("c1", "f", "{}"));
        r.Messages.Add(assistant);
        r.Messages.Add(ChatMessage.Text(ChatRole.User, "note"));
        var tool = new ChatMessage(ChatRole.Tool) { Name = "c1" };
        tool.Parts.Add(new TextPart("ok"));
        r.Messages.Add(tool);

        string encoded = EncodeRequest(r, "m");

        Assert.Contains("""{"role":"user","content":[{"type":"tool_result","tool_use_id":"c1","content":"ok"},{"type":"text","text":"note"}]}""", encoded, StringComparison.Ordinal);
    }

    [Fact]
    public void ThinkingBudget_ReasoningEffortAndDefaults()
    {
        var r = new ChatRequest { Model = "m", ThinkingBudget = 8000, Stream = true };
        r.Messages.Add(ChatMessage.Text(ChatRole.User, "x"));
        string encoded = EncodeRequest(r, "m");
        Assert.Contains("\"max_tokens\":12096", encoded, StringComparison.Ordinal);
        Assert.Contains("\"thinking\":{\"type\":\"enabled\",\"budget_tokens\":8000}", encoded, StringComparison.Ordinal);
        Assert.Contains("\"stream\":true", encoded, StringComparison.Ordinal);

        var effort = new ChatRequest { Model = "m", ReasoningEffort = "medium", MaxOutputTokens = 9000 };
        effort.Messages.Add(ChatMessage.Text(ChatRole.User, "x"));
        string e = EncodeRequest(effort, "m");
        Assert.Contains("\"budget_tokens\":2048", e, StringComparison.Ordinal);
        Assert.Contains("\"max_tokens\":9000", e, StringComparison.Ordinal);
        Assert.DoesNotContain("stream", e, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(ToolChoiceMode.Auto, null, """{"type":"auto"}""")]
    [InlineData(ToolChoiceMode.Required, null, """{"type":"any"}""")]
    [InlineData(ToolChoiceMode.None, null, """{"type":"none"}""")]
    [InlineData(ToolChoiceMode.Specific, "f", """{"type":"tool","name":"f"}""")]
    public void ToolChoice_Maps(ToolChoiceMode mode, string? name, string expected)
    {
        var r = new ChatRequest { Model = "m", ToolChoice = new ToolChoice(mode, name) };
        r.Messages.Add(ChatMessage.Text(ChatRole.User, "x"));
        r.Tools.Add(new ToolDefinition("f"));

        Assert.Contains("\"tool_choice\":" + expected, EncodeRequest(r, "m"), StringComparison.Ordinal);
    }

    [Fact]
    public void ToolChoiceWithoutTools_IsNotWritten()
    {
        var r = new ChatRequest { Model = "m", ToolChoice = new ToolChoice(ToolChoiceMode.Required), ParallelToolCalls = false };
        r.Messages.Add(ChatMessage.Text(ChatRole.User, "x"));

        Assert.DoesNotContain("tool_choice", EncodeRequest(r, "m"), StringComparison.Ordinal);
    }

    [Fact]
    public void JsonSchemaResponseFormat_BecomesOutputConfig()
    {
        var r = new ChatRequest { Model = "m", ResponseFormat = new ResponseFormat(ResponseFormatKind.JsonSchema) { Schema = JsonDocument.Parse("""{"type":"object"}""").RootElement } };
        r.Messages.Add(ChatMessage.Text(ChatRole.User, "x"));

        Assert.Null(AnthropicRequestEncoder.CheckSupported(r));
        Assert.Contains("\"output_config\":{\"format\":{\"type\":\"json_schema\",\"schema\":{\"type\":\"object\"}}}", EncodeRequest(r, "m"), StringComparison.Ordinal);
    }

    [Fact]
    public void JsonObjectWithoutSystem_BecomesTheSystemInstruction()
    {
        var r = new ChatRequest { ResponseFormat = new ResponseFormat(ResponseFormatKind.JsonObject) };
        r.Messages.Add(ChatMessage.Text(ChatRole.User, "x"));

        using var doc = JsonDocument.Parse(EncodeRequest(r, "m"));
        Assert.Equal(AnthropicRequestEncoder.JsonObjectInstruction, doc.RootElement.GetProperty("system").GetString());
        Assert.False(doc.RootElement.TryGetProperty("output_config", out _));
    }

    [Fact]
    public void JsonObjectAfterClientSystem_IsAppendedAsTheLastSystemBlock()
    {
        var r = new ChatRequest { ResponseFormat = new ResponseFormat(ResponseFormatKind.JsonSchema) };
        r.Messages.Add(ChatMessage.Text(ChatRole.System, "Be terse."));
        r.Messages.Add(ChatMessage.Text(ChatRole.User, "x"));

        using var doc = JsonDocument.Parse(EncodeRequest(r, "m"));
        var system = doc.RootElement.GetProperty("system");
        Assert.Equal(2, system.GetArrayLength());
        Assert.Equal("Be terse.", system[0].GetProperty("text").GetString());
        Assert.Equal(AnthropicRequestEncoder.JsonObjectInstruction, system[1].GetProperty("text").GetString());
    }

    [Fact]
    public void TextResponseFormat_AddsNoInstruction()
    {
        var r = new ChatRequest { ResponseFormat = new ResponseFormat(ResponseFormatKind.Text) };
        r.Messages.Add(ChatMessage.Text(ChatRole.User, "x"));

        Assert.DoesNotContain("\"system\"", EncodeRequest(r, "m"), StringComparison.Ordinal);
    }

    [Fact]
    public void CheckSupported_RejectsWhatAnthropicCannotDo()
    {
        Assert.Equal("n", AnthropicRequestEncoder.CheckSupported(new ChatRequest { N = 2 })!.Param);
        Assert.Null(AnthropicRequestEncoder.CheckSupported(new ChatRequest { N = 1 }));
        Assert.Equal("logprobs", AnthropicRequestEncoder.CheckSupported(new ChatRequest { Logprobs = true })!.Param);
        Assert.Null(AnthropicRequestEncoder.CheckSupported(new ChatRequest { ResponseFormat = new ResponseFormat(ResponseFormatKind.JsonObject) }));
        var withImageSystem = new ChatRequest();
        withImageSystem.Messages.Add(new ChatMessage(ChatRole.System) { Parts = { ImagePart.FromUrl("https://x/y.png") } });
        Assert.Equal(400, AnthropicRequestEncoder.CheckSupported(withImageSystem)!.StatusCode);
    }

    [Fact]
    public void UnmappedFromAnotherProtocol_IsNotWritten()
    {
        Assert.DoesNotContain("store", EncodeRequest(OpenAiStyle(), "m"), StringComparison.Ordinal);
    }

    [Fact]
    public void ToolIds_AreSanitisedAndMissingIdsPaired()
    {
        var r = new ChatRequest { Model = "m", SourceProtocol = WireProtocol.Gemini };
        r.Messages.Add(ChatMessage.Text(ChatRole.User, "x"));
        var assistant = new ChatMessage(ChatRole.Assistant);
        assistant.Parts.Add(new ToolCallPart("", "a", "{}"));
        assistant.Parts.Add(new ToolCallPart("", "b", "{}"));
        assistant.Parts.Add(new ToolCallPart("functions.c:0", "c", "{}"));
        r.Messages.Add(assistant);
        var results = new ChatMessage(ChatRole.User);
        results.Parts.Add(new ToolResultPart("") { Name = "b" });
        results.Parts.Add(new ToolResultPart("") { Name = "a" });
        results.Parts.Add(new ToolResultPart("functions.c:0"));
        r.Messages.Add(results);

        string encoded = EncodeRequest(r, "m");

        Assert.Contains("""{"type":"tool_use","id":"toolu_candor_0","name":"a","input":{}},{"type":"tool_use","id":"toolu_candor_1","name":"b","input":{}},{"type":"tool_use","id":"functions_c_0","name":"c","input":{}}""", encoded, StringComparison.Ordinal);
        Assert.Contains("""[{"type":"tool_result","tool_use_id":"toolu_candor_1"},{"type":"tool_result","tool_use_id":"toolu_candor_0"},{"type":"tool_result","tool_use_id":"functions_c_0"}]""", encoded, StringComparison.Ordinal);
    }

    [Fact]
    public void DeeplyNestedSchemaAndExtra_AreAccepted()
    {
        string deep = string.Concat(Enumerable.Repeat("{\"a\":", 100)) + "1" + new string('}', 100);
        string body = "{\"model\":\"m\",\"max_tokens\":1,\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"x\",\"cache_control\":" + deep + "}]}],"
            + "\"tools\":[{\"name\":\"t\",\"input_schema\":" + deep + ",\"cache_control\":{\"type\":\"ephemeral\"}}]}";

        var r = Decode(body);

        AssertJsonEqual(body, EncodeRequest(r, "m"));
    }
}
