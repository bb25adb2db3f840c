using System.Buffers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Candor.Core.Receipts;
using Candor.Protocols.Anthropic;
using Candor.Protocols.Canonical;
using Candor.Protocols.Codecs;
using Candor.Protocols.OpenAI;
using static Candor.UnitTests.Protocols.Anthropic.AnthropicTestHelpers;

namespace Candor.UnitTests.Protocols.Anthropic;

/// <summary>Anthropic refuses manual thinking when the final assistant turn calls a tool without starting with its signed
/// thinking block; a client that sends no reasoning back (the AI SDK's OpenAI chat provider) still completes its tool loop,
/// because the encoder leaves thinking out of that one request instead of inventing a signature (issue 14).</summary>
public sealed class ThinkingToolTurnTests
{
    private const string Signature = "EqQBCkYIARgCKkB+/sig==";

    /// <summary>What the AI SDK's OpenAI chat provider sends on the second step: the tool call without reasoning_content.</summary>
    private const string OpenAIChatWithoutReasoning = """
        {"model":"m","reasoning_effort":"low","messages":[
          {"role":"user","content":"What is the weather in Paris?"},
          {"role":"assistant","content":"Let me check.","tool_calls":[{"id":"call_1","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Paris\"}"}}]},
          {"role":"tool","tool_call_id":"call_1","content":"sunny"}],
         "tools":[{"type":"function","function":{"name":"get_weather","parameters":{"type":"object"}}}]}
        """;

    [Fact]
    public void ToolTurnWithoutReasoning_IsSentWithoutThinking_TheLoopKeptWhole()
    {
        var request = DecodeOpenAI(OpenAIChatWithoutReasoning);
        Assert.True(AnthropicRequestEncoder.OmitsThinking(request));

        var body = JsonNode.Parse(EncodeRequest(request, "claude"))!;
        Assert.Null(body["thinking"]);
        var assistant = body["messages"]![1]!["content"]!.AsArray();
        Assert.Equal(["text", "tool_use"], assistant.Select(static b => (string?)b!["type"]));
        Assert.Equal("call_1", (string?)body["messages"]![2]!["content"]![0]!["tool_use_id"]);
        Assert.Null(JsonNode.Parse(EncodeRequest(request, "claude", countTokens: true))!["thinking"]);
    }

    [Fact]
    public void ToolTurnStartingWithSignedThinking_KeepsThinking()
    {
        var request = Loop(new ThinkingPart("I should look it up.") { Signature = Signature });
        Assert.False(AnthropicRequestEncoder.OmitsThinking(request));

        var body = JsonNode.Parse(EncodeRequest(request, "claude"))!;
        Assert.Equal(1024, (int?)body["thinking"]!["budget_tokens"]);
        Assert.Equal(Signature, (string?)body["messages"]![1]!["content"]![0]!["signature"]);
    }

    [Fact]
    public void ToolTurnStartingWithRedactedThinking_KeepsThinking()
    {
        var request = Loop(new RedactedThinkingPart("cmVkYWN0ZWQ="));
        Assert.False(AnthropicRequestEncoder.OmitsThinking(request));
        Assert.NotNull(JsonNode.Parse(EncodeRequest(request, "claude"))!["thinking"]);
    }

    [Fact]
    public void ToolTurnStartingWithUnsignedThinking_IsSentWithoutThinking()
    {
        // Reasoning from another provider carries no Anthropic signature: it is not written, so the turn starts with the call.
        var request = Loop(new ThinkingPart("foreign reasoning"));
        Assert.True(AnthropicRequestEncoder.OmitsThinking(request));
        var body = JsonNode.Parse(EncodeRequest(request, "claude"))!;
        Assert.Null(body["thinking"]);
        Assert.Equal("tool_use", (string?)body["messages"]![1]!["content"]![0]!["type"]);
    }

    [Fact]
    public void LaterStepOfALoopThatStartedWithSignedThinking_KeepsThinking()
    {
        // A tool loop is one assistant turn: without interleaved thinking, only its first step thinks.
        var request = Loop(new ThinkingPart("first step") { Signature = Signature });
        var step2 = new ChatMessage(ChatRole.Assistant);
        step2.Parts.Add(new ToolCallPart("call_2", "get_weather", "{\"city\":\"Lyon\"}"));
        request.Messages.Add(step2);
        request.Messages.Add(ToolResult("call_2", "rain"));
        Assert.False(AnthropicRequestEncoder.OmitsThinking(request));
        Assert.NotNull(JsonNode.Parse(EncodeRequest(request, "claude"))!["thinking"]);
    }

    [Fact]
    public void EarlierTurnsWithoutThinking_DoNotMatterOnceANewUserTurnStarts()
    {
        var request = Loop(null);
        var answer = new ChatMessage(ChatRole.Assistant);
        answer.Parts.Add(new TextPart("It is sunny."));
        request.Messages.Add(answer);
        request.Messages.Add(ChatMessage.Text(ChatRole.User, "And tomorrow?"));
        Assert.False(AnthropicRequestEncoder.OmitsThinking(request));
        Assert.NotNull(JsonNode.Parse(EncodeRequest(request, "claude"))!["thinking"]);
    }

    [Fact]
    public void NoThinkingAsked_NothingOmitted()
    {
        var request = Loop(null);
        request.ReasoningEffort = null;
        Assert.False(AnthropicRequestEncoder.OmitsThinking(request));
        Assert.Null(WireProfile.Anthropic.Omitted(request));
    }

    [Fact]
    public void OmittedThinking_LeavesTheFinalTurnsLaterThinkingBlocksOut_AndKeepsEarlierTurns()
    {
        var request = new ChatRequest { Model = "m", ThinkingBudget = 2048 };
        request.Messages.Add(ChatMessage.Text(ChatRole.User, "First question"));
        var earlier = new ChatMessage(ChatRole.Assistant);
        earlier.Parts.Add(new ThinkingPart("earlier") { Signature = Signature });
        earlier.Parts.Add(new TextPart("First answer"));
        request.Messages.Add(earlier);
        request.Messages.Add(ChatMessage.Text(ChatRole.User, "Weather?"));
        var step1 = new ChatMessage(ChatRole.Assistant);
        step1.Parts.Add(new ToolCallPart("call_1", "get_weather", "{}"));
        request.Messages.Add(step1);
        request.Messages.Add(ToolResult("call_1", "sunny"));
        var step2 = new ChatMessage(ChatRole.Assistant);
        step2.Parts.Add(new ThinkingPart("interleaved") { Signature = Signature });
        step2.Parts.Add(new ToolCallPart("call_2", "get_weather", "{}"));
        request.Messages.Add(step2);
        request.Messages.Add(ToolResult("call_2", "rain"));

        var body = JsonNode.Parse(EncodeRequest(request, "claude"))!;
        Assert.Null(body["thinking"]);
        var messages = body["messages"]!.AsArray();
        Assert.Equal("thinking", (string?)messages[1]!["content"]![0]!["type"]);
        Assert.Equal(["tool_use"], messages[3]!["content"]!.AsArray().Select(static b => (string?)b!["type"]));
        Assert.Equal(["tool_use"], messages[5]!["content"]!.AsArray().Select(static b => (string?)b!["type"]));
    }

    [Fact]
    public void AnthropicClientsOwnManualThinking_IsLeftOutForAnUnsignedToolTurn_AdaptiveKept()
    {
        const string Turn = """
            "messages":[{"role":"user","content":"Weather?"},
              {"role":"assistant","content":[{"type":"text","text":"Checking."},{"type":"tool_use","id":"toolu_1","name":"get_weather","input":{}}]},
              {"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_1","content":"sunny"}]}]
            """;
        var manual = Decode("""{"model":"m","max_tokens":4096,"thinking":{"type":"enabled","budget_tokens":1024,"display":"omitted"},""" + Turn + "}");
        Assert.True(AnthropicRequestEncoder.OmitsThinking(manual));
        Assert.Null(JsonNode.Parse(EncodeRequest(manual, "claude"))!["thinking"]);
        Assert.Null(JsonNode.Parse(EncodeRequest(manual, "claude", countTokens: true))!["thinking"]);

        var adaptive = Decode("""{"model":"m","max_tokens":4096,"thinking":{"type":"adaptive"},""" + Turn + "}");
        Assert.False(AnthropicRequestEncoder.OmitsThinking(adaptive));
        Assert.Equal("adaptive", (string?)JsonNode.Parse(EncodeRequest(adaptive, "claude"))!["thinking"]!["type"]);
    }

    [Fact]
    public void OmittedThinking_IsListedOnTheReceipt_AndTheIntegrityCheckPasses()
    {
        var client = DecodeOpenAI(OpenAIChatWithoutReasoning);
        var declared = ParameterIntegrity.Declared(client, "claude-x", WireProtocol.Anthropic, fast: false);
        var omitted = Assert.Single(declared, static t => t.Kind == Transformation.Omitted);
        Assert.Equal("reasoning_effort", omitted.Target);

        var encoded = new ArrayBufferWriter<byte>();
        using (var w = new Utf8JsonWriter(encoded, AnthropicRequestEncoder.WriterOptions))
        {
            AnthropicRequestEncoder.Write(client, "claude-x", w);
        }

        var flags = ParameterIntegrity.Check(client, encoded.WrittenSpan, WireProtocol.Anthropic, "claude-x", declared);
        Assert.DoesNotContain(flags, static f => f.Contains("reasoning_effort", StringComparison.Ordinal));
        Assert.Contains("parameter_changed:reasoning_effort",
            ParameterIntegrity.Check(client, encoded.WrittenSpan, WireProtocol.Anthropic, "claude-x", declared.Where(static t => t.Kind != Transformation.Omitted)));

        var budget = Loop(null);
        budget.ReasoningEffort = null;
        budget.ThinkingBudget = 2048;
        Assert.Equal("thinking_budget", WireProfile.Anthropic.Omitted(budget)?.Name);
    }

    /// <summary>An OpenAI-style tool loop asking for low reasoning: user, assistant (<paramref name="lead"/>, then a tool
    /// call), tool result.</summary>
    private static ChatRequest Loop(ContentPart? lead)
    {
        var request = new ChatRequest { Model = "m", SourceProtocol = WireProtocol.OpenAI, ReasoningEffort = "low" };
        request.Messages.Add(ChatMessage.Text(ChatRole.User, "Weather in Paris?"));
        var assistant = new ChatMessage(ChatRole.Assistant);
        if (lead is not null)
        {
            assistant.Parts.Add(lead);
        }

        assistant.Parts.Add(new ToolCallPart("call_1", "get_weather", "{\"city\":\"Paris\"}"));
        request.Messages.Add(assistant);
        request.Messages.Add(ToolResult("call_1", "sunny"));
        return request;
    }

    private static ChatMessage ToolResult(string id, string text)
    {
        var tool = new ChatMessage(ChatRole.Tool) { Name = id };
        tool.Parts.Add(new TextPart(text));
        return tool;
    }

    private static ChatRequest DecodeOpenAI(string json)
    {
        Assert.True(OpenAIChatRequestDecoder.TryDecode(Encoding.UTF8.GetBytes(json), out var request, out var error), error?.Message);
        return request;
    }
}
