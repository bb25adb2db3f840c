using System.Text.Json;
using Candor.Protocols.Canonical;
using Candor.Protocols.Gemini;
using static Candor.UnitTests.Protocols.Gemini.GeminiTestJson;

namespace Candor.UnitTests.Protocols.Gemini;

public sealed class GeminiRequestDecoderTests
{
    private static ChatRequest Decode(string json, bool stream = false)
    {
        Assert.True(GeminiRequestDecoder.TryDecode(Utf8(json), "gemini-2.5-flash", stream, out var request, out var error), error?.Message);
        return request;
    }

    private static RelayError Fail(string json)
    {
        Assert.False(GeminiRequestDecoder.TryDecode(Utf8(json), "m", false, out _, out var error));
        Assert.Equal(400, error.StatusCode);
        return error;
    }

    [Fact]
    public void DocumentedTextRequest_DecodesToOneUserMessage()
    {
        var r = Decode("""{"contents":[{"parts":[{"text":"Explain how AI works in a few words"}]}]}""", stream: true);
        Assert.Equal(WireProtocol.Gemini, r.SourceProtocol);
        Assert.Equal("gemini-2.5-flash", r.Model);
        Assert.True(r.Stream);
        var m = Assert.Single(r.Messages);
        Assert.Equal(ChatRole.User, m.Role);
        Assert.Equal("Explain how AI works in a few words", m.TextContent());
        Assert.Null(r.Unmapped);
    }

    [Fact]
    public void DocumentedMultiTurn_MapsRolesAndSystemInstruction()
    {
        var r = Decode("""
        {"system_instruction":{"parts":[{"text":"You are a cat. Your name is Neko."}]},
         "contents":[
          {"role":"user","parts":[{"text":"Hello"}]},
          {"role":"model","parts":[{"text":"Great to meet you. What would you like to know?"}]},
          {"role":"user","parts":[{"text":"I have two dogs in my house. How many paws are in my house?"}]}]}
        """);
        Assert.Equal([ChatRole.System, ChatRole.User, ChatRole.Assistant, ChatRole.User], r.Messages.Select(m => m.Role));
        Assert.Equal("You are a cat. Your name is Neko.", r.Messages[0].TextContent());
    }

    [Fact]
    public void FunctionCallingWithoutIds_SynthesizesMatchingIds()
    {
        var r = Decode("""
        {"contents":[
          {"role":"user","parts":[{"text":"What's the temperature in London and Paris?"}]},
          {"role":"model","parts":[
            {"functionCall":{"name":"get_current_temperature","args":{"location":"London"}}},
            {"functionCall":{"name":"get_current_temperature","args":{"location":"Paris"}}}]},
          {"role":"user","parts":[
            {"functionResponse":{"name":"get_current_temperature","response":{"temperature":"15C"}}},
            {"functionResponse":{"name":"get_current_temperature","response":{"output":"17C"}}}]}],
         "tools":[{"functionDeclarations":[{"name":"get_current_temperature","description":"Gets the current temperature for a given location.",
           "parameters":{"type":"OBJECT","properties":{"location":{"type":"STRING","description":"The city name","nullable":true}},"required":["location"]}}]}],
         "toolConfig":{"functionCallingConfig":{"mode":"ANY","allowedFunctionNames":["get_current_temperature"]}}}
        """);
        var calls = r.Messages[1].Parts.Cast<ToolCallPart>().ToList();
        Assert.Equal(["call_0_get_current_temperature", "call_1_get_current_temperature"], calls.Select(c => c.Id));
        Assert.Equal("""{"location":"London"}""", calls[0].ArgumentsJson);
        var results = r.Messages.Skip(2).Select(m => Assert.IsType<ToolResultPart>(Assert.Single(m.Parts))).ToList();
        Assert.All(r.Messages.Skip(2), m => Assert.Equal(ChatRole.Tool, m.Role));
        Assert.Equal(calls.Select(c => c.Id), results.Select(x => x.ToolCallId));
        Assert.Equal("""{"temperature":"15C"}""", results[0].Text());
        Assert.Equal("17C", results[1].Text());
        Assert.Equal("get_current_temperature", results[0].Name);

        var tool = Assert.Single(r.Tools);
        Equal("""{"type":"object","properties":{"location":{"type":["string","null"],"description":"The city name"}},"required":["location"]}""",
            tool.Parameters!.Value.GetRawText());
        Assert.Equal(ToolChoiceMode.Specific, r.ToolChoice!.Mode);
        Assert.Equal("get_current_temperature", r.ToolChoice.Name);
    }

    [Fact]
    public void FunctionCallIds_WhenGiven_AreKeptAndMatched()
    {
        var r = Decode("""
        {"contents":[{"role":"model","parts":[{"functionCall":{"id":"abc","name":"f","args":{}},"thoughtSignature":"c2ln"}]},
                     {"role":"user","parts":[{"functionResponse":{"id":"abc","name":"f","response":{"error":"boom"}}}]}]}
        """);
        var call = Assert.IsType<ToolCallPart>(r.Messages[0].Parts[0]);
        Assert.Equal("abc", call.Id);
        Assert.Equal("c2ln", call.Extra!.Value.GetProperty("thoughtSignature").GetString());
        var result = Assert.IsType<ToolResultPart>(r.Messages[1].Parts[0]);
        Assert.Equal("abc", result.ToolCallId);
        Assert.True(result.IsError);
        Assert.Equal("boom", result.Text());
    }

    [Fact]
    public void GenerationConfig_MapsSamplingThinkingAndKeepsUnknowns()
    {
        var r = Decode("""
        {"contents":[{"parts":[{"text":"hi"}]}],
         "generationConfig":{"temperature":0.5,"topP":0.9,"topK":40,"candidateCount":2,"maxOutputTokens":100,
           "stopSequences":["END"],"seed":7,"presencePenalty":0.1,"frequencyPenalty":0.2,"responseLogprobs":true,"logprobs":3,
           "responseMimeType":"application/json","responseJsonSchema":{"type":"object"},
           "thinkingConfig":{"thinkingBudget":1024,"includeThoughts":true},"responseModalities":["TEXT"]},
         "safetySettings":[{"category":"HARM_CATEGORY_HARASSMENT","threshold":"BLOCK_NONE"}],
         "cached_content":"cachedContents/x"}
        """);
        Assert.Equal(0.5, r.Temperature);
        Assert.Equal(0.9, r.TopP);
        Assert.Equal(40, r.TopK);
        Assert.Equal(2, r.N);
        Assert.Equal(100, r.MaxOutputTokens);
        Assert.Equal(["END"], r.Stop);
        Assert.Equal(7, r.Seed);
        Assert.Equal(0.1, r.PresencePenalty);
        Assert.Equal(0.2, r.FrequencyPenalty);
        Assert.True(r.Logprobs);
        Assert.Equal(3, r.TopLogprobs);
        Assert.Equal(1024, r.ThinkingBudget);
        Assert.Equal(ResponseFormatKind.JsonSchema, r.ResponseFormat!.Kind);
        Equal("""
        {"generationConfig":{"thinkingConfig":{"includeThoughts":true},"responseModalities":["TEXT"]},
         "safetySettings":[{"category":"HARM_CATEGORY_HARASSMENT","threshold":"BLOCK_NONE"}],
         "cachedContent":"cachedContents/x"}
        """, r.Unmapped!.ToJsonString());
    }

    [Fact]
    public void SnakeCaseFields_AreAccepted()
    {
        var r = Decode("""
        {"contents":[{"role":"user","parts":[{"inline_data":{"mime_type":"image/png","data":"iVBO"}},{"file_data":{"mime_type":"application/pdf","file_uri":"https://x/y.pdf"}}]}],
         "generation_config":{"max_output_tokens":5,"response_mime_type":"application/json","thinking_config":{"thinking_budget":0}},
         "tool_config":{"function_calling_config":{"mode":"NONE"}}}
        """);
        var image = Assert.IsType<ImagePart>(r.Messages[0].Parts[0]);
        Assert.Equal("image/png", image.MediaType);
        Assert.Equal("iVBO", image.Base64Data);
        var file = Assert.IsType<FilePart>(r.Messages[0].Parts[1]);
        Assert.Equal("https://x/y.pdf", file.Url);
        Assert.Equal(5, r.MaxOutputTokens);
        Assert.Equal(0, r.ThinkingBudget);
        Assert.Equal(ResponseFormatKind.JsonObject, r.ResponseFormat!.Kind);
        Assert.Equal(ToolChoiceMode.None, r.ToolChoice!.Mode);
    }

    [Fact]
    public void ThoughtParts_BecomeThinkingParts()
    {
        var r = Decode("""{"contents":[{"role":"user","parts":[{"text":"q"}]},{"role":"model","parts":[{"text":"hmm","thought":true,"thoughtSignature":"U0lH"},{"text":"answer"}]}]}""");
        var thinking = Assert.IsType<ThinkingPart>(r.Messages[1].Parts[0]);
        Assert.Equal("hmm", thinking.Text);
        Assert.Equal("U0lH", thinking.Signature);
        Assert.Null(thinking.Extra);
    }

    [Fact]
    public void OtherTools_AreUnmapped_CodeExecutionIsRefused()
    {
        var r = Decode("""{"contents":[{"parts":[{"text":"q"}]}],"tools":[{"googleSearch":{}},{"functionDeclarations":[{"name":"f"}]}]}""");
        Equal("""{"tools":[{"googleSearch":{}}]}""", r.Unmapped!.ToJsonString());
        Assert.Null(Assert.Single(r.Tools).Parameters);

        var error = Fail("""{"contents":[{"parts":[{"text":"q"}]}],"tools":[{"codeExecution":{}}]}""");
        Assert.Equal("tools[0].codeExecution", error.Param);
    }

    [Theory]
    [InlineData("""{"contents":""", null)]
    [InlineData("""[1]""", null)]
    [InlineData("""{"contents":[]}""", "contents")]
    [InlineData("""{"contents":[{"role":"assistant","parts":[{"text":"x"}]}]}""", "contents[0].role")]
    [InlineData("""{"contents":[{"parts":[{"text":1}]}]}""", "contents[0].parts[0].text")]
    [InlineData("""{"contents":[{"parts":[{"functionCall":{"args":{}}}]}]}""", "contents[0].parts[0].functionCall.name")]
    [InlineData("""{"contents":[{"parts":[{"text":"x"}]}],"generationConfig":{"temperature":"hot"}}""", "generationConfig.temperature")]
    [InlineData("""{"contents":[{"parts":[{"text":"x"}]}],"toolConfig":{"functionCallingConfig":{"mode":"SOMETIMES"}}}""", "toolConfig.functionCallingConfig.mode")]
    [InlineData("""{"contents":[{"parts":[{"executableCode":{"code":"secret"}}]}]}""", "contents[0].parts[0].executableCode")]
    public void InvalidBodies_Are400NamingTheField(string json, string? param)
    {
        var error = Fail(json);
        Assert.Equal(RelayStage.Decode, error.Stage);
        Assert.Equal(param, error.Param);
        Assert.DoesNotContain("secret", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void CountTokens_AcceptsBothForms()
    {
        Assert.True(GeminiRequestDecoder.TryDecodeCountTokens(Utf8("""{"contents":[{"parts":[{"text":"The quick brown fox"}]}]}"""), "m", out var a, out _));
        Assert.Equal("The quick brown fox", Assert.Single(a.Messages).TextContent());

        Assert.True(GeminiRequestDecoder.TryDecodeCountTokens(Utf8("""
            {"generateContentRequest":{"model":"models/gemini-2.0-flash","contents":[{"parts":[{"text":"hi"}]}],"systemInstruction":{"parts":[{"text":"sys"}]}}}
            """), "m", out var b, out _));
        Assert.Equal([ChatRole.System, ChatRole.User], b.Messages.Select(m => m.Role));

        Assert.False(GeminiRequestDecoder.TryDecodeCountTokens(Utf8("{}"), "m", out _, out var error));
        Assert.Equal("contents", error.Param);
    }

    [Fact]
    public void ValidatedModeAndSeveralAllowedNames_AreKeptForGemini()
    {
        var r = Decode("""{"contents":[{"parts":[{"text":"x"}]}],"toolConfig":{"functionCallingConfig":{"mode":"ANY","allowedFunctionNames":["a","b"]},"retrievalConfig":{"languageCode":"en"}}}""");
        Assert.Equal(ToolChoiceMode.Required, r.ToolChoice!.Mode);
        Equal("""{"toolConfig":{"retrievalConfig":{"languageCode":"en"},"functionCallingConfig":{"allowedFunctionNames":["a","b"]}}}""", r.Unmapped!.ToJsonString());

        var v = Decode("""{"contents":[{"parts":[{"text":"x"}]}],"toolConfig":{"functionCallingConfig":{"mode":"VALIDATED"}}}""");
        Assert.Equal(ToolChoiceMode.Auto, v.ToolChoice!.Mode);
        Equal("""{"toolConfig":{"functionCallingConfig":{"mode":"VALIDATED"}}}""", v.Unmapped!.ToJsonString());
    }
}
