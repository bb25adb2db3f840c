using System.Buffers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Candor.Protocols.Anthropic;
using Candor.Protocols.Canonical;
using Candor.Protocols.Gemini;
using Candor.Protocols.OpenAI;
using static Candor.UnitTests.Protocols.Anthropic.AnthropicTestHelpers;

namespace Candor.UnitTests.Protocols.Anthropic;

/// <summary>The current Messages API as Claude Code sends it (issue 14 item 12): a mid-conversation system message with
/// cache_control, adaptive thinking, output_config; and message_start's input count on translated streams (item 10).</summary>
public sealed class ClaudeCodeRequestTests
{
    internal const string ClaudeCodeBody = """
        {"model":"claude-opus-4-8","max_tokens":32000,"stream":true,
         "system":[{"type":"text","text":"You are Claude Code.","cache_control":{"type":"ephemeral"}}],
         "messages":[
           {"role":"user","content":[{"type":"text","text":"List the files."}]},
           {"role":"system","content":[{"type":"text","text":"The tool set changed: use Bash."}],"cache_control":{"type":"ephemeral"}},
           {"role":"assistant","content":"Listing."},
           {"role":"user","content":"Go on."}],
         "thinking":{"type":"adaptive"},
         "output_config":{"effort":"high"},
         "context_management":{"edits":[]},
         "metadata":{"user_id":"u-1"}}
        """;

    [Fact]
    public void MidConversationSystemMessage_DecodesInPlace()
    {
        var request = Decode(ClaudeCodeBody);
        Assert.Equal([ChatRole.System, ChatRole.User, ChatRole.System, ChatRole.Assistant, ChatRole.User], request.Messages.Select(static m => m.Role));
        Assert.Equal("The tool set changed: use Bash.", request.Messages[2].TextContent());
        Assert.Equal("""{"cache_control":{"type":"ephemeral"}}""", request.Messages[2].Extra!.Value.GetRawText());
        Assert.Equal("adaptive", (string?)request.Unmapped!["thinking"]!["type"]);
        Assert.Equal("high", (string?)request.Unmapped!["output_config"]!["effort"]);
        Assert.NotNull(request.Unmapped!["context_management"]);
    }

    [Fact]
    public void MidConversationSystemMessage_WithAnythingButText_IsA400NamingTheBlock()
    {
        var error = DecodeError("""
            {"model":"m","max_tokens":10,"messages":[{"role":"user","content":"a"},
             {"role":"system","content":[{"type":"image","source":{"type":"url","url":"https://x/y.png"}}]}]}
            """);
        Assert.Equal(400, error.StatusCode);
        Assert.Contains("messages.1.content.0", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AnthropicUpstream_TranslatedPath_KeepsTheSystemMessageInPlaceWithItsCacheControl()
    {
        var body = JsonNode.Parse(EncodeRequest(Decode(ClaudeCodeBody), "claude-opus-4-8"))!;
        AssertJsonEqual("""[{"type":"text","text":"You are Claude Code.","cache_control":{"type":"ephemeral"}}]""", body["system"]!.ToJsonString());
        var messages = body["messages"]!.AsArray();
        Assert.Equal(["user", "system", "assistant", "user"], messages.Select(static m => (string?)m!["role"]));
        AssertJsonEqual("""{"role":"system","content":"The tool set changed: use Bash.","cache_control":{"type":"ephemeral"}}""", messages[1]!.ToJsonString());
        AssertJsonEqual("""{"type":"adaptive"}""", body["thinking"]!.ToJsonString());
        AssertJsonEqual("""{"effort":"high"}""", body["output_config"]!.ToJsonString());
    }

    [Fact]
    public void OpenAIUpstream_MidConversationSystemMessage_IsASystemMessageInPlace()
    {
        var request = Decode(ClaudeCodeBody);
        var buffer = new ArrayBufferWriter<byte>();
        using (var w = new Utf8JsonWriter(buffer))
        {
            OpenAIChatRequestEncoder.Write(request, "gpt-4o-mini", OpenAIRequestOptions.OpenAI, w);
        }

        var roles = JsonNode.Parse(buffer.WrittenSpan)!["messages"]!.AsArray().Select(static m => (string?)m!["role"]).ToList();
        Assert.Equal(["system", "user", "system", "assistant", "user"], roles);
    }

    [Fact]
    public void GeminiUpstream_MidConversationSystemMessage_JoinsSystemInstruction()
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var w = new Utf8JsonWriter(buffer))
        {
            GeminiRequestEncoder.Write(Decode(ClaudeCodeBody), w);
        }

        var body = JsonNode.Parse(buffer.WrittenSpan)!;
        var instruction = string.Join("|", body["systemInstruction"]!["parts"]!.AsArray().Select(static p => (string?)p!["text"]));
        Assert.Contains("The tool set changed: use Bash.", instruction, StringComparison.Ordinal);
        Assert.All(body["contents"]!.AsArray(), static c => Assert.NotEqual("system", (string?)c!["role"]));
    }

    [Fact]
    public void TranslatedStream_MessageStartCarriesCandorsPromptCount_UntilTheUpstreamGivesItsOwn()
    {
        var request = new ChatRequest { Model = "m", Stream = true };
        int asked = 0;
        var encoder = new AnthropicClientEncoder(request, () => ++asked * 1234);
        string sse = Utf8(o =>
        {
            // An OpenAI-wire upstream: usage only at the end.
            encoder.WriteStreamEvent(new ResponseStarted("c", "gpt-4o", 1), o);
            encoder.WriteStreamEvent(new TextDelta(0, "Hi"), o);
            encoder.WriteStreamEvent(new ChoiceFinished(0, FinishReason.EndTurn), o);
            encoder.WriteStreamEvent(new UsageReported(new Usage { InputTokens = 1200, OutputTokens = 2 }), o);
            encoder.WriteStreamEnd(o);
        });
        var start = FirstData(sse, "message_start");
        Assert.Equal(1234, (int)start["message"]!["usage"]!["input_tokens"]!);
        Assert.Equal(1200, (int)FirstData(sse, "message_delta")["usage"]!["input_tokens"]!);
        Assert.Equal(1, asked);

        // An upstream that reports the input with its start keeps its own figure, and nothing is counted.
        var anthropic = new AnthropicClientEncoder(request, () => throw new InvalidOperationException("not needed"));
        string own = Utf8(o =>
        {
            anthropic.WriteStreamEvent(new ResponseStarted("c", "m", 1), o);
            anthropic.WriteStreamEvent(new UsageReported(new Usage { InputTokens = 25 }), o);
            anthropic.WriteStreamEvent(new TextDelta(0, "Hi"), o);
        });
        Assert.Equal(25, (int)FirstData(own, "message_start")["message"]!["usage"]!["input_tokens"]!);
    }

    private static JsonNode FirstData(string sse, string type)
    {
        foreach (var frame in sse.Split("\n\n", StringSplitOptions.RemoveEmptyEntries))
        {
            var lines = frame.Split('\n');
            if (lines[0] == "event: " + type)
            {
                return JsonNode.Parse(lines[1]["data: ".Length..])!;
            }
        }

        throw new InvalidOperationException("no " + type);
    }
}
