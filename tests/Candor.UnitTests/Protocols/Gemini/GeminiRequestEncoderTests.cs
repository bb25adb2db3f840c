using System.Text.Json;
using Candor.Protocols.Canonical;
using Candor.Protocols.Gemini;
using static Candor.UnitTests.Protocols.Gemini.GeminiTestJson;

namespace Candor.UnitTests.Protocols.Gemini;

public sealed class GeminiRequestEncoderTests
{
    private static string Encode(ChatRequest r) => Write(w => GeminiRequestEncoder.Write(r, w));

    private static ChatRequest OpenAiStyleToolConversation()
    {
        var r = new ChatRequest { Model = "gpt-like", SourceProtocol = WireProtocol.OpenAI };
        r.Messages.Add(ChatMessage.Text(ChatRole.System, "Be brief."));
        r.Messages.Add(ChatMessage.Text(ChatRole.User, "Weather in Paris?"));
        var assistant = new ChatMessage(ChatRole.Assistant);
        assistant.Parts.Add(new ThinkingPart("let me think") { Signature = "anthropic-sig" });
        assistant.Parts.Add(new ToolCallPart("call_abc", "get_weather", """{"city":"Paris"}"""));
        r.Messages.Add(assistant);
        var tool = new ChatMessage(ChatRole.Tool);
        var result = new ToolResultPart("call_abc"); // OpenAI tool messages carry no name
        result.Content.Add(new TextPart("sunny"));
        tool.Parts.Add(result);
        r.Messages.Add(tool);
        var user = new ChatMessage(ChatRole.User);
        user.Parts.Add(new TextPart("And this?"));
        user.Parts.Add(ImagePart.FromUrl("data:image/png;base64,iVBO"));
        user.Parts.Add(ImagePart.FromUrl("https://example.com/cat.jpg?x=1"));
        r.Messages.Add(user);
        using var schema = JsonDocument.Parse("""{"type":"object","properties":{"city":{"type":"string"}},"required":["city"],"additionalProperties":false}""");
        r.Tools.Add(new ToolDefinition("get_weather") { Description = "Weather", Parameters = schema.RootElement.Clone() });
        r.ToolChoice = new ToolChoice(ToolChoiceMode.Specific, "get_weather");
        r.ParallelToolCalls = false;
        r.Temperature = 0.2;
        r.MaxOutputTokens = 256;
        r.Stop.Add("END");
        r.ResponseFormat = new ResponseFormat(ResponseFormatKind.JsonObject);
        r.ThinkingBudget = 2048;
        return r;
    }

    [Fact]
    public void ForeignConversation_EncodesGeminiBody()
    {
        var r = OpenAiStyleToolConversation();
        Assert.Null(GeminiRequestEncoder.CheckSupported(r));
        Equal("""
        {"contents":[
          {"role":"user","parts":[{"text":"Weather in Paris?"}]},
          {"role":"model","parts":[{"functionCall":{"id":"call_abc","name":"get_weather","args":{"city":"Paris"}}}]},
          {"role":"user","parts":[
            {"functionResponse":{"id":"call_abc","name":"get_weather","response":{"output":"sunny"}}},
            {"text":"And this?"},
            {"inlineData":{"mimeType":"image/png","data":"iVBO"}},
            {"fileData":{"mimeType":"image/jpeg","fileUri":"https://example.com/cat.jpg?x=1"}}]}],
         "systemInstruction":{"parts":[{"text":"Be brief."}]},
         "tools":[{"functionDeclarations":[{"name":"get_weather","description":"Weather",
           "parametersJsonSchema":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"],"additionalProperties":false}}]}],
         "toolConfig":{"functionCallingConfig":{"mode":"ANY","allowedFunctionNames":["get_weather"]}},
         "generationConfig":{"stopSequences":["END"],"responseMimeType":"application/json","maxOutputTokens":256,"temperature":0.2,
           "thinkingConfig":{"thinkingBudget":2048,"includeThoughts":true}}}
        """, Encode(r));
    }

    [Fact]
    public void ToolResultWithJsonObjectText_IsSentAsTheObject_ErrorsUnderError()
    {
        var r = new ChatRequest { SourceProtocol = WireProtocol.Anthropic };
        var a = new ChatMessage(ChatRole.Assistant);
        a.Parts.Add(new ToolCallPart("t1", "f", ""));
        a.Parts.Add(new ToolCallPart("t2", "g", "{}"));
        r.Messages.Add(a);
        var u = new ChatMessage(ChatRole.User);
        var ok = new ToolResultPart("t1");
        ok.Content.Add(new TextPart("""{"temp":15}"""));
        var bad = new ToolResultPart("t2") { IsError = true };
        bad.Content.Add(new TextPart("failed"));
        u.Parts.Add(ok);
        u.Parts.Add(bad);
        r.Messages.Add(u);
        Equal("""
        {"contents":[
          {"role":"model","parts":[{"functionCall":{"id":"t1","name":"f","args":{}}},{"functionCall":{"id":"t2","name":"g","args":{}}}]},
          {"role":"user","parts":[{"functionResponse":{"id":"t1","name":"f","response":{"temp":15}}},{"functionResponse":{"id":"t2","name":"g","response":{"error":"failed"}}}]}]}
        """, Encode(r));
    }

    [Fact]
    public void CheckSupported_RejectsUnknownResultAndBadArguments()
    {
        var r = new ChatRequest();
        var tool = new ChatMessage(ChatRole.Tool);
        tool.Parts.Add(new ToolResultPart("nope"));
        r.Messages.Add(tool);
        Assert.Equal(400, GeminiRequestEncoder.CheckSupported(r)!.StatusCode);

        var r2 = new ChatRequest();
        var a = new ChatMessage(ChatRole.Assistant);
        a.Parts.Add(new ToolCallPart("x", "f", "[1]"));
        r2.Messages.Add(a);
        Assert.NotNull(GeminiRequestEncoder.CheckSupported(r2));

        var r3 = new ChatRequest { Seed = 1L << 40 };
        r3.Messages.Add(ChatMessage.Text(ChatRole.User, "x"));
        Assert.Equal("seed", GeminiRequestEncoder.CheckSupported(r3)!.Param);
    }

    [Fact]
    public void GeminiBody_RoundTripsThroughCanonical()
    {
        const string body = """
        {"contents":[
          {"role":"user","parts":[{"text":"What's the temperature in London?"}]},
          {"role":"model","parts":[{"text":"thinking...","thought":true,"thoughtSignature":"U0lH"},{"functionCall":{"id":"c1","name":"get_current_temperature","args":{"location":"London"}},"thoughtSignature":"c2ln"}]},
          {"role":"user","parts":[{"functionResponse":{"id":"c1","name":"get_current_temperature","response":{"temperature":"15C"}}}]}],
         "systemInstruction":{"parts":[{"text":"You are a weather bot."}]},
         "tools":[{"functionDeclarations":[{"name":"get_current_temperature","description":"Gets the temperature.",
            "parametersJsonSchema":{"type":"object","properties":{"location":{"type":"string"}},"required":["location"]}}]},{"googleSearch":{}}],
         "toolConfig":{"functionCallingConfig":{"mode":"VALIDATED"}},
         "generationConfig":{"temperature":1,"maxOutputTokens":512,"thinkingConfig":{"thinkingBudget":1024,"includeThoughts":true,"thinkingLevel":"low"},
           "responseModalities":["TEXT"]},
         "safetySettings":[{"category":"HARM_CATEGORY_HATE_SPEECH","threshold":"BLOCK_ONLY_HIGH"}],
         "cachedContent":"cachedContents/abc"}
        """;
        Assert.True(GeminiRequestDecoder.TryDecode(Utf8(body), "gemini-2.5-pro", false, out var r, out var error), error?.Message);
        Assert.Null(GeminiRequestEncoder.CheckSupported(r));
        Equal("""
        {"contents":[
          {"role":"user","parts":[{"text":"What's the temperature in London?"}]},
          {"role":"model","parts":[{"text":"thinking...","thought":true,"thoughtSignature":"U0lH"},{"functionCall":{"id":"c1","name":"get_current_temperature","args":{"location":"London"}},"thoughtSignature":"c2ln"}]},
          {"role":"user","parts":[{"functionResponse":{"id":"c1","name":"get_current_temperature","response":{"temperature":"15C"}}}]}],
         "systemInstruction":{"parts":[{"text":"You are a weather bot."}]},
         "tools":[{"functionDeclarations":[{"name":"get_current_temperature","description":"Gets the temperature.",
            "parametersJsonSchema":{"type":"object","properties":{"location":{"type":"string"}},"required":["location"]}}]},{"googleSearch":{}}],
         "toolConfig":{"functionCallingConfig":{"mode":"VALIDATED"}},
         "generationConfig":{"maxOutputTokens":512,"temperature":1,"thinkingConfig":{"thinkingBudget":1024,"includeThoughts":true,"thinkingLevel":"low"},
           "responseModalities":["TEXT"]},
         "safetySettings":[{"category":"HARM_CATEGORY_HATE_SPEECH","threshold":"BLOCK_ONLY_HIGH"}],
         "cachedContent":"cachedContents/abc"}
        """, Encode(r));
    }

    [Fact]
    public void IdlessGeminiHistory_RoundTripsWithSynthesizedIds()
    {
        const string body = """
        {"contents":[{"role":"user","parts":[{"text":"q"}]},
          {"role":"model","parts":[{"functionCall":{"name":"f","args":{"a":1}}}]},
          {"role":"user","parts":[{"functionResponse":{"name":"f","response":{"output":"r"}}}]}]}
        """;
        Assert.True(GeminiRequestDecoder.TryDecode(Utf8(body), "m", false, out var r, out _));
        Equal("""
        {"contents":[{"role":"user","parts":[{"text":"q"}]},
          {"role":"model","parts":[{"functionCall":{"id":"call_0_f","name":"f","args":{"a":1}}}]},
          {"role":"user","parts":[{"functionResponse":{"id":"call_0_f","name":"f","response":{"output":"r"}}}]}]}
        """, Encode(r));
    }

    [Fact]
    public void ResponseSchemaFromGemini_IsSentBackAsGiven_OtherSourcesUseResponseJsonSchema()
    {
        const string body = """{"contents":[{"parts":[{"text":"q"}]}],"generationConfig":{"responseMimeType":"application/json","responseSchema":{"type":"ARRAY","items":{"type":"STRING"}}}}""";
        Assert.True(GeminiRequestDecoder.TryDecode(Utf8(body), "m", false, out var r, out _));
        Equal("""{"type":"array","items":{"type":"string"}}""", r.ResponseFormat!.Schema!.Value.GetRawText());
        Equal("""{"contents":[{"role":"user","parts":[{"text":"q"}]}],"generationConfig":{"responseMimeType":"application/json","responseSchema":{"type":"ARRAY","items":{"type":"STRING"}}}}""", Encode(r));

        r.SourceProtocol = WireProtocol.OpenAI;
        Equal("""{"contents":[{"role":"user","parts":[{"text":"q"}]}],"generationConfig":{"responseMimeType":"application/json","responseJsonSchema":{"type":"array","items":{"type":"string"}}}}""", Encode(r));
    }

    [Fact]
    public void CountTokens_UsesGenerateContentRequestForm()
    {
        var r = new ChatRequest { SourceProtocol = WireProtocol.OpenAI };
        r.Messages.Add(ChatMessage.Text(ChatRole.Developer, "sys"));
        r.Messages.Add(ChatMessage.Text(ChatRole.User, "hi"));
        r.Messages.Add(ChatMessage.Text(ChatRole.User, "again"));
        Equal("""
        {"generateContentRequest":{"model":"models/gemini-2.0-flash",
          "contents":[{"role":"user","parts":[{"text":"hi"},{"text":"again"}]}],
          "systemInstruction":{"parts":[{"text":"sys"}]}}}
        """, Write(w => GeminiRequestEncoder.WriteCountTokens(r, "gemini-2.0-flash", w)));
    }

    [Fact]
    public void ReasoningEffort_MapsToThinkingBudget()
    {
        var r = new ChatRequest { ReasoningEffort = "medium" };
        r.Messages.Add(ChatMessage.Text(ChatRole.User, "x"));
        Equal("""{"contents":[{"role":"user","parts":[{"text":"x"}]}],"generationConfig":{"thinkingConfig":{"thinkingBudget":8192,"includeThoughts":true}}}""", Encode(r));
    }
}
