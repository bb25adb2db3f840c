using System.Text;
using Candor.Protocols.Canonical;
using Candor.Protocols.OpenAI;

namespace Candor.UnitTests.Protocols.OpenAI;

public sealed class ResponsesRequestDecoderTests
{
    private static ChatRequest Decode(string json)
    {
        Assert.True(ResponsesRequestDecoder.TryDecode(Encoding.UTF8.GetBytes(json), out var request, out var error), error?.Message);
        return request;
    }

    private static RelayError Refuse(string json)
    {
        Assert.False(ResponsesRequestDecoder.TryDecode(Encoding.UTF8.GetBytes(json), out _, out var error));
        return error;
    }

    [Fact]
    public void StringInputAndInstructions_BecomeSystemThenUser()
    {
        var r = Decode("""{"input":"Hello","model":"m","instructions":"Be brief.","max_output_tokens":50,"temperature":0.5,"top_p":0.9,"stream":true,"store":false,"user":"u1","metadata":{"k":"v"}}""");

        Assert.Equal(WireProtocol.OpenAIResponses, r.SourceProtocol);
        Assert.Equal("m", r.Model);
        Assert.Equal([ChatRole.System, ChatRole.User], r.Messages.Select(m => m.Role));
        Assert.Equal("Be brief.", r.Messages[0].TextContent());
        Assert.Equal("Hello", r.Messages[1].TextContent());
        Assert.Equal(50, r.MaxOutputTokens);
        Assert.Equal(0.5, r.Temperature);
        Assert.Equal(0.9, r.TopP);
        Assert.True(r.Stream);
        Assert.Equal("u1", r.User);
        Assert.Equal("v", r.Metadata!["k"]);
    }

    [Fact]
    public void ToolLoopItems_GroupIntoOneAssistantTurnAndToolMessages()
    {
        var r = Decode("""
            {"model":"m","include":["reasoning.encrypted_content"],"input":[
              {"role":"user","content":[{"type":"input_text","text":"Weather?"},{"type":"input_image","image_url":"data:image/png;base64,AAAA","detail":"low"}]},
              {"type":"reasoning","id":"rs_1","summary":[{"type":"summary_text","text":"Think"}],"encrypted_content":"sig-1"},
              {"type":"function_call","id":"fc_1","call_id":"call_1","name":"get_weather","arguments":"{\"city\":\"Paris\"}"},
              {"type":"function_call","call_id":"call_2","name":"get_time","arguments":""},
              {"type":"function_call_output","call_id":"call_1","output":"18 degrees"},
              {"type":"function_call_output","call_id":"call_2","output":[{"type":"input_text","text":"noon"}]},
              {"type":"message","role":"assistant","content":[{"type":"output_text","text":"It is 18.","annotations":[]}]},
              {"type":"reasoning","summary":[],"encrypted_content":"candor.redacted:opaque"}
            ]}
            """);

        Assert.Equal([ChatRole.User, ChatRole.Assistant, ChatRole.Tool, ChatRole.Tool, ChatRole.Assistant], r.Messages.Select(m => m.Role));
        var image = Assert.IsType<ImagePart>(r.Messages[0].Parts[1]);
        Assert.Equal(("image/png", "AAAA", "low"), (image.MediaType, image.Base64Data, image.Detail));
        var turn = r.Messages[1].Parts;
        var thinking = Assert.IsType<ThinkingPart>(turn[0]);
        Assert.Equal(("Think", "sig-1"), (thinking.Text, thinking.Signature));
        Assert.Equal(("call_1", "get_weather", "{\"city\":\"Paris\"}"), (((ToolCallPart)turn[1]).Id, ((ToolCallPart)turn[1]).Name, ((ToolCallPart)turn[1]).ArgumentsJson));
        Assert.Equal("{}", ((ToolCallPart)turn[2]).ArgumentsJson);
        Assert.Equal(("call_1", "18 degrees"), (((ToolResultPart)r.Messages[2].Parts[0]).ToolCallId, ((ToolResultPart)r.Messages[2].Parts[0]).Text()));
        Assert.Equal("noon", ((ToolResultPart)r.Messages[3].Parts[0]).Text());
        Assert.Equal("It is 18.", r.Messages[4].TextContent());
        Assert.Equal("opaque", Assert.IsType<RedactedThinkingPart>(r.Messages[4].Parts[1]).Data);
    }

    [Fact]
    public void FunctionToolsChoiceAndJsonSchema_AreTranslated()
    {
        var r = Decode("""
            {"model":"m","input":"x","parallel_tool_calls":false,"reasoning":{"effort":"low","summary":"auto"},
             "tools":[{"type":"function","name":"f","description":"d","parameters":{"type":"object"},"strict":true}],
             "tool_choice":{"type":"function","name":"f"},
             "text":{"format":{"type":"json_schema","name":"answer","schema":{"type":"object"},"strict":true},"verbosity":"low"}}
            """);

        var tool = Assert.Single(r.Tools);
        Assert.Equal(("f", "d", true), (tool.Name, tool.Description, tool.Strict));
        Assert.Equal(ToolChoiceMode.Specific, r.ToolChoice!.Mode);
        Assert.Equal("f", r.ToolChoice.Name);
        Assert.False(r.ParallelToolCalls);
        Assert.Equal("low", r.ReasoningEffort);
        Assert.Equal(ResponseFormatKind.JsonSchema, r.ResponseFormat!.Kind);
        Assert.Equal("answer", r.ResponseFormat.SchemaName);
        Assert.True(r.ResponseFormat.Strict);
        Assert.Equal(ResponseFormatKind.JsonObject, Decode("""{"model":"m","input":"x","text":{"format":{"type":"json_object"}}}""").ResponseFormat!.Kind);
    }

    [Theory]
    [InlineData("""{"model":"m","input":"x","store":true}""", "store")]
    [InlineData("""{"model":"m","input":"x","previous_response_id":"resp_1"}""", "previous_response_id")]
    [InlineData("""{"model":"m","input":"x","conversation":"conv_1"}""", "conversation")]
    [InlineData("""{"model":"m","input":"x","background":true}""", "background")]
    [InlineData("""{"model":"m","input":[{"type":"item_reference","id":"msg_1"}]}""", "input[0].type")]
    public void ServerState_IsRefusedWithTheZeroRetentionReason(string json, string param)
    {
        var error = Refuse(json);

        Assert.Equal(400, error.StatusCode);
        Assert.Equal(param, error.Param);
        Assert.Contains("zero retention", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"model":"m","input":"x","tools":[{"type":"web_search"}]}""", "tools[0].type")]
    [InlineData("""{"model":"m","input":"x","tools":[{"type":"function","name":"f"},{"type":"local_shell"}]}""", "tools[1].type")]
    [InlineData("""{"model":"m","input":[{"type":"computer_call_output","call_id":"c"}]}""", "input[0].type")]
    [InlineData("""{"model":"m","input":"x","tool_choice":{"type":"web_search_preview"}}""", "tool_choice.type")]
    [InlineData("""{"model":"m"}""", "input")]
    [InlineData("""{"input":"x"}""", "model")]
    [InlineData("""{"model":"m","input":[{"role":"tool","content":"x"}]}""", "input[0].role")]
    [InlineData("""{"model":"m","input":[{"type":"function_call","call_id":"c","name":"f"}]}""", "input[0].arguments")]
    [InlineData("""{"model":"m","input":"x","max_output_tokens":"9"}""", "max_output_tokens")]
    public void Unsupported_IsA400NamingTheParameter(string json, string param)
    {
        var error = Refuse(json);

        Assert.Equal(400, error.StatusCode);
        Assert.Equal(param, error.Param);
    }

    [Theory]
    [InlineData("""{"model":"m","input":[{"role":"user","content":[{"type":"secret type 42"}]}]}""")]
    [InlineData("""{"model":"m","input":[{"type":"secret type 42"}]}""")]
    [InlineData("""{"model":"m","input":"x","tools":[{"type":"secret type 42"}]}""")]
    public void Messages_NeverQuoteClientText(string json)
    {
        var error = Refuse(json);

        Assert.DoesNotContain("secret", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void BuiltInTool_IsNamedInTheRefusal()
    {
        Assert.Contains("('web_search')", Refuse("""{"model":"m","input":"x","tools":[{"type":"web_search"}]}""").Message, StringComparison.Ordinal);
    }
}
