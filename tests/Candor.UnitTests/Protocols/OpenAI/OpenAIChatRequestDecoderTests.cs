using System.Text;
using System.Text.Json.Nodes;
using Candor.Protocols.Canonical;
using Candor.Protocols.OpenAI;
using static Candor.UnitTests.Protocols.OpenAI.OpenAITestHelpers;

namespace Candor.UnitTests.Protocols.OpenAI;

public sealed class OpenAIChatRequestDecoderTests
{
    // Shapes from OpenAI's chat completions reference (function calling, vision, structured output).
    private const string FullRequest = """
        {
          "model": "gpt-4o",
          "messages": [
            {"role": "developer", "content": "You are a helpful assistant."},
            {"role": "system", "content": [{"type": "text", "text": "Be brief."}]},
            {"role": "user", "name": "alice", "content": [
              {"type": "text", "text": "What's in this image?"},
              {"type": "image_url", "image_url": {"url": "https://upload.wikimedia.org/a.jpg", "detail": "high"}},
              {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw0KGgo="}}
            ]},
            {"role": "assistant", "content": null, "tool_calls": [
              {"id": "call_abc123", "type": "function", "function": {"name": "get_current_weather", "arguments": "{\"location\":\"Boston, MA\"}"}}
            ]},
            {"role": "tool", "tool_call_id": "call_abc123", "content": "{\"temperature\":22}"},
            {"role": "assistant", "content": "It is 22 degrees."},
            {"role": "user", "content": "Thanks"}
          ],
          "tools": [{"type": "function", "function": {"name": "get_current_weather", "description": "Get the current weather in a given location",
            "parameters": {"type": "object", "properties": {"location": {"type": "string"}}, "required": ["location"]}, "strict": true}}],
          "tool_choice": {"type": "function", "function": {"name": "get_current_weather"}},
          "parallel_tool_calls": false,
          "response_format": {"type": "json_schema", "json_schema": {"name": "weather", "schema": {"type": "object"}, "strict": true}},
          "max_completion_tokens": 300,
          "temperature": 0.2,
          "top_p": 0.9,
          "stop": ["\n\n", "END"],
          "seed": 42,
          "n": 2,
          "presence_penalty": 0.5,
          "frequency_penalty": -0.5,
          "logprobs": true,
          "top_logprobs": 3,
          "user": "user-1234",
          "metadata": {"team": "a"},
          "reasoning_effort": "low",
          "stream": true,
          "stream_options": {"include_usage": true},
          "logit_bias": {"50256": -100},
          "service_tier": "auto",
          "store": false,
          "prediction": {"type": "content", "content": "x"},
          "modalities": ["text"],
          "web_search_options": {}
        }
        """;

    [Fact]
    public void FullRequest_DecodesEveryField()
    {
        var r = Decode(FullRequest);
        Assert.Equal("gpt-4o", r.Model);
        Assert.Equal(WireProtocol.OpenAI, r.SourceProtocol);
        Assert.Equal(7, r.Messages.Count);
        Assert.Equal(ChatRole.Developer, r.Messages[0].Role);
        Assert.Equal("Be brief.", r.Messages[1].TextContent());
        var user = r.Messages[2];
        Assert.Equal("alice", user.Name);
        var remote = Assert.IsType<ImagePart>(user.Parts[1]);
        Assert.Equal("https://upload.wikimedia.org/a.jpg", remote.Url);
        Assert.Equal("high", remote.Detail);
        var inline = Assert.IsType<ImagePart>(user.Parts[2]);
        Assert.Equal("image/png", inline.MediaType);
        Assert.Equal("iVBORw0KGgo=", inline.Base64Data);
        var call = Assert.IsType<ToolCallPart>(Assert.Single(r.Messages[3].Parts));
        Assert.Equal(("call_abc123", "get_current_weather", "{\"location\":\"Boston, MA\"}"), (call.Id, call.Name, call.ArgumentsJson));
        var result = Assert.IsType<ToolResultPart>(Assert.Single(r.Messages[4].Parts));
        Assert.Equal("call_abc123", result.ToolCallId);
        Assert.Equal("{\"temperature\":22}", result.Text());
        var tool = Assert.Single(r.Tools);
        Assert.Equal("get_current_weather", tool.Name);
        Assert.True(tool.Strict);
        Assert.Equal(ToolChoiceMode.Specific, r.ToolChoice!.Mode);
        Assert.Equal("get_current_weather", r.ToolChoice.Name);
        Assert.False(r.ParallelToolCalls);
        Assert.Equal(ResponseFormatKind.JsonSchema, r.ResponseFormat!.Kind);
        Assert.Equal("weather", r.ResponseFormat.SchemaName);
        Assert.Equal(300, r.MaxOutputTokens);
        Assert.Equal(0.2, r.Temperature);
        Assert.Equal(0.9, r.TopP);
        Assert.Equal(["\n\n", "END"], r.Stop);
        Assert.Equal(42, r.Seed);
        Assert.Equal(2, r.N);
        Assert.Equal(0.5, r.PresencePenalty);
        Assert.Equal(-0.5, r.FrequencyPenalty);
        Assert.True(r.Logprobs);
        Assert.Equal(3, r.TopLogprobs);
        Assert.Equal("user-1234", r.User);
        Assert.Equal("a", r.Metadata!["team"]);
        Assert.Equal("low", r.ReasoningEffort);
        Assert.True(r.Stream);
        Assert.True(r.IncludeUsage);
        Assert.Equal(["logit_bias", "service_tier", "store", "prediction", "modalities", "web_search_options"], r.Unmapped!.Select(static kv => kv.Key));
    }

    [Fact]
    public void FullRequest_ReencodesToEquivalentBody()
    {
        var r = Decode(FullRequest);
        string body = WriteJson(w => OpenAIChatRequestEncoder.Write(r, "gpt-4o-2024-08-06", OpenAIRequestOptions.OpenAI, w));
        AssertJsonEqual("""
            {
              "model": "gpt-4o-2024-08-06",
              "messages": [
                {"role": "developer", "content": "You are a helpful assistant."},
                {"role": "system", "content": "Be brief."},
                {"role": "user", "name": "alice", "content": [
                  {"type": "text", "text": "What's in this image?"},
                  {"type": "image_url", "image_url": {"url": "https://upload.wikimedia.org/a.jpg", "detail": "high"}},
                  {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw0KGgo="}}
                ]},
                {"role": "assistant", "content": null, "tool_calls": [
                  {"id": "call_abc123", "type": "function", "function": {"name": "get_current_weather", "arguments": "{\"location\":\"Boston, MA\"}"}}
                ]},
                {"role": "tool", "tool_call_id": "call_abc123", "content": "{\"temperature\":22}"},
                {"role": "assistant", "content": "It is 22 degrees."},
                {"role": "user", "content": "Thanks"}
              ],
              "tools": [{"type": "function", "function": {"name": "get_current_weather", "description": "Get the current weather in a given location",
                "parameters": {"type": "object", "properties": {"location": {"type": "string"}}, "required": ["location"]}, "strict": true}}],
              "tool_choice": {"type": "function", "function": {"name": "get_current_weather"}},
              "parallel_tool_calls": false,
              "response_format": {"type": "json_schema", "json_schema": {"name": "weather", "schema": {"type": "object"}, "strict": true}},
              "max_completion_tokens": 300,
              "temperature": 0.2,
              "top_p": 0.9,
              "stop": ["\n\n", "END"],
              "seed": 42,
              "n": 2,
              "presence_penalty": 0.5,
              "frequency_penalty": -0.5,
              "logprobs": true,
              "top_logprobs": 3,
              "user": "user-1234",
              "metadata": {"team": "a"},
              "reasoning_effort": "low",
              "stream": true,
              "stream_options": {"include_usage": true},
              "logit_bias": {"50256": -100},
              "service_tier": "auto",
              "store": false,
              "prediction": {"type": "content", "content": "x"},
              "modalities": ["text"],
              "web_search_options": {}
            }
            """, body);
    }

    [Fact]
    public void StreamWithoutIncludeUsage_StillAsksUpstreamForUsage()
    {
        var r = Decode("""{"model":"m","messages":[{"role":"user","content":"hi"}],"stream":true}""");
        Assert.False(r.IncludeUsage);
        string body = WriteJson(w => OpenAIChatRequestEncoder.Write(r, "m", OpenAIRequestOptions.OpenAI, w));
        AssertJsonEqual("""{"model":"m","messages":[{"role":"user","content":"hi"}],"stream":true,"stream_options":{"include_usage":true}}""", body);
    }

    [Fact]
    public void MinimalRequest_WritesOnlyWhatWasGiven()
    {
        var r = Decode("""{"model":"m","messages":[{"role":"user","content":"hi"}]}""");
        string body = WriteJson(w => OpenAIChatRequestEncoder.Write(r, "up", OpenAIRequestOptions.OpenAI, w));
        AssertJsonEqual("""{"model":"up","messages":[{"role":"user","content":"hi"}]}""", body);
    }

    [Fact]
    public void MaxTokens_LegacyNameIsRead()
    {
        var r = Decode("""{"model":"m","messages":[{"role":"user","content":"hi"}],"max_tokens":7}""");
        Assert.Equal(7, r.MaxOutputTokens);
        var both = Decode("""{"model":"m","messages":[{"role":"user","content":"hi"}],"max_completion_tokens":9,"max_tokens":7}""");
        Assert.Equal(9, both.MaxOutputTokens);
    }

    [Fact]
    public void StopString_IsOneSequence()
    {
        var r = Decode("""{"model":"m","messages":[{"role":"user","content":"hi"}],"stop":"END"}""");
        Assert.Equal(["END"], r.Stop);
    }

    [Theory]
    [InlineData("\"none\"", ToolChoiceMode.None)]
    [InlineData("\"auto\"", ToolChoiceMode.Auto)]
    [InlineData("\"required\"", ToolChoiceMode.Required)]
    public void ToolChoiceWords_Decode(string json, ToolChoiceMode mode)
    {
        var r = Decode($$"""{"model":"m","messages":[{"role":"user","content":"hi"}],"tool_choice":{{json}}}""");
        Assert.Equal(mode, r.ToolChoice!.Mode);
    }

    [Theory]
    [InlineData("""{"type":"text"}""", ResponseFormatKind.Text)]
    [InlineData("""{"type":"json_object"}""", ResponseFormatKind.JsonObject)]
    public void ResponseFormats_Decode(string json, ResponseFormatKind kind)
    {
        var r = Decode($$"""{"model":"m","messages":[{"role":"user","content":"hi"}],"response_format":{{json}}}""");
        Assert.Equal(kind, r.ResponseFormat!.Kind);
    }

    [Fact]
    public void LegacyFunctions_MapToTools()
    {
        var r = Decode("""
            {"model":"m","messages":[
              {"role":"user","content":"weather?"},
              {"role":"assistant","content":null,"function_call":{"name":"get_weather","arguments":"{}"}},
              {"role":"function","name":"get_weather","content":"sunny"}],
             "functions":[{"name":"get_weather","parameters":{"type":"object"}}],
             "function_call":{"name":"get_weather"}}
            """);
        Assert.Equal("get_weather", Assert.Single(r.Tools).Name);
        Assert.Equal(ToolChoiceMode.Specific, r.ToolChoice!.Mode);
        var call = Assert.IsType<ToolCallPart>(Assert.Single(r.Messages[1].Parts));
        var result = Assert.IsType<ToolResultPart>(Assert.Single(r.Messages[2].Parts));
        Assert.Equal(call.Id, result.ToolCallId);
        Assert.Equal("sunny", result.Text());
    }

    [Fact]
    public void AudioAndFileParts_BecomeFileParts()
    {
        var r = Decode("""
            {"model":"m","messages":[{"role":"user","content":[
              {"type":"input_audio","input_audio":{"data":"UklGRg==","format":"wav"}},
              {"type":"file","file":{"filename":"a.pdf","file_data":"data:application/pdf;base64,JVBERi0="}}]}]}
            """);
        var audio = Assert.IsType<FilePart>(r.Messages[0].Parts[0]);
        Assert.Equal(("audio/wav", "UklGRg=="), (audio.MediaType, audio.Base64Data));
        var pdf = Assert.IsType<FilePart>(r.Messages[0].Parts[1]);
        Assert.Equal(("application/pdf", "JVBERi0=", "a.pdf"), (pdf.MediaType, pdf.Base64Data, pdf.FileName));
        string body = WriteJson(w => OpenAIChatRequestEncoder.Write(r, "m", OpenAIRequestOptions.OpenAI, w));
        AssertJsonEqual("""
            {"model":"m","messages":[{"role":"user","content":[
              {"type":"input_audio","input_audio":{"data":"UklGRg==","format":"wav"}},
              {"type":"file","file":{"filename":"a.pdf","file_data":"data:application/pdf;base64,JVBERi0="}}]}]}
            """, body);
    }

    [Theory]
    [InlineData("", null)]
    [InlineData("   ", null)]
    [InlineData("null", null)]
    [InlineData("{", null)]
    [InlineData("{\"model\":\"m\"} x", null)]
    [InlineData("[1,2]", null)]
    [InlineData("""{"messages":[{"role":"user","content":"hi"}]}""", "model")]
    [InlineData("""{"model":"m"}""", "messages")]
    [InlineData("""{"model":"m","messages":[]}""", "messages")]
    [InlineData("""{"model":"m","messages":"hi"}""", "messages")]
    [InlineData("""{"model":3,"messages":[{"role":"user","content":"hi"}]}""", "model")]
    [InlineData("""{"model":"m","messages":[{"role":"user","content":"hi"}],"temperature":"hot"}""", "temperature")]
    [InlineData("""{"model":"m","messages":[{"role":"user","content":"hi"}],"n":1.5}""", "n")]
    [InlineData("""{"model":"m","messages":[{"role":"user","content":"hi"}],"stream":"yes"}""", "stream")]
    [InlineData("""{"model":"m","messages":[{"role":"user"}]}""", "messages.[0].content")]
    [InlineData("""{"model":"m","messages":[{"content":"hi"}]}""", "messages.[0].role")]
    [InlineData("""{"model":"m","messages":[{"role":"user","content":[{"type":"video","video":"x"}]}]}""", "messages.[0].content.[0].type")]
    [InlineData("""{"model":"m","messages":[{"role":"tool","content":"x"}]}""", "messages.[0].tool_call_id")]
    [InlineData("""{"model":"m","messages":[{"role":"user","content":[{"type":"file","file":{"file_id":"file-1"}}]}]}""", "messages.[0].content.[0].file.file_id")]
    [InlineData("""{"model":"m","messages":[{"role":"user","content":"hi"}],"tool_choice":"sometimes"}""", "tool_choice")]
    [InlineData("""{"model":"m","messages":[{"role":"user","content":"hi"}],"tools":[{"type":"custom","custom":{"name":"x"}}]}""", "tools.[0].type")]
    [InlineData("""{"model":"m","messages":[{"role":"user","content":"hi"}],"stop":[1]}""", "stop")]
    [InlineData("""{"model":"m","messages":[{"role":"user","content":"hi"}],"metadata":{"a":1}}""", "metadata.a")]
    [InlineData("""{"model":"m","messages":[{"role":"user","content":"hi"}],"response_format":{"type":"xml"}}""", "response_format.type")]
    public void BadRequests_Return400WithParam(string json, string? param)
    {
        Assert.False(OpenAIChatRequestDecoder.TryDecode(Encoding.UTF8.GetBytes(json), out var request, out var error));
        Assert.Null(request);
        Assert.Equal(400, error.StatusCode);
        Assert.Equal(RelayErrorKind.InvalidRequest, error.Kind);
        Assert.Equal(RelayStage.Decode, error.Stage);
        Assert.Equal(param, error.Param);
    }

    [Fact]
    public void UnknownRole_ErrorDoesNotEchoTheValue()
    {
        Assert.False(OpenAIChatRequestDecoder.TryDecode("""{"model":"m","messages":[{"role":"secret-role-value","content":"secret text"}]}"""u8, out _, out var error));
        Assert.Equal("messages.[0].role", error.Param);
        Assert.DoesNotContain("secret", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void UnmappedFields_AreKeptVerbatimAndWrittenBackOnlyForOpenAISource()
    {
        var r = Decode("""{"model":"m","messages":[{"role":"user","content":"hi"}],"logit_bias":{"1":5},"vendor_x":[1,{"a":null}]}""");
        Assert.Equal("""{"1":5}""", r.Unmapped!["logit_bias"]!.ToJsonString());
        Assert.Equal("""[1,{"a":null}]""", r.Unmapped["vendor_x"]!.ToJsonString());
        r.SourceProtocol = WireProtocol.Anthropic;
        string body = WriteJson(w => OpenAIChatRequestEncoder.Write(r, "m", OpenAIRequestOptions.OpenAI, w));
        Assert.DoesNotContain("logit_bias", body, StringComparison.Ordinal);
    }

    [Fact]
    public void ExtraFields_WinOverUnmappedOfTheSameName()
    {
        var r = Decode("""{"model":"m","messages":[{"role":"user","content":"hi"}],"enable_thinking":true}""");
        var options = new OpenAIRequestOptions { ExtraFields = new JsonObject { ["enable_thinking"] = false } };
        string body = WriteJson(w => OpenAIChatRequestEncoder.Write(r, "m", options, w));
        AssertJsonEqual("""{"model":"m","messages":[{"role":"user","content":"hi"}],"enable_thinking":false}""", body);
    }
}
