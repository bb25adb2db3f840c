using System.Text.Json;
using Candor.Emulator.Vendors;

namespace Candor.Emulator.Tests;

/// <summary>The emulator refuses what Anthropic refuses in a thinking tool loop: with manual thinking, a final assistant
/// turn that calls a tool must start with a thinking or redacted_thinking block; adaptive thinking accepts it.</summary>
public sealed class AnthropicThinkingRuleTests
{
    private static string Body(string thinking, string assistant, string after = "") => $$"""
        {"model":"claude-sonnet-4-5","max_tokens":2048,"thinking":{{thinking}},"messages":[
          {"role":"user","content":"Weather?"},
          {"role":"assistant","content":{{assistant}}},
          {"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_1","content":"sunny"}]}{{after}}]}
        """;

    private const string Manual = """{"type":"enabled","budget_tokens":1024}""";
    private const string ToolOnly = """[{"type":"text","text":"Checking."},{"type":"tool_use","id":"toolu_1","name":"get_weather","input":{}}]""";

    private static string? Violation(string body)
    {
        using var document = JsonDocument.Parse(body);
        return AnthropicHandler.ThinkingViolation(document.RootElement);
    }

    private static string Signed(string text) =>
        $$"""{"type":"thinking","thinking":"{{text}}","signature":"{{AnthropicHandler.Signature(text)}}"}""";

    [Fact]
    public void ManualThinking_ToolTurnWithoutThinking_IsRefusedAsAnthropicDoes()
    {
        var message = Violation(Body(Manual, ToolOnly));
        Assert.NotNull(message);
        Assert.StartsWith("messages.1.content.0.type: Expected `thinking` or `redacted_thinking`, but found `text`.", message, StringComparison.Ordinal);
    }

    [Fact]
    public void AdaptiveThinking_ToolTurnWithoutThinking_IsAccepted() =>
        Assert.Null(Violation(Body("""{"type":"adaptive"}""", ToolOnly)));

    [Fact]
    public void NoThinking_IsAccepted() =>
        Assert.Null(Violation(Body("""{"type":"disabled"}""", ToolOnly)));

    [Fact]
    public void SignedOrRedactedThinkingFirst_IsAccepted()
    {
        Assert.Null(Violation(Body(Manual, "[" + Signed("Look it up.") + """,{"type":"tool_use","id":"toolu_1","name":"get_weather","input":{}}]""")));
        Assert.Null(Violation(Body(Manual, """[{"type":"redacted_thinking","data":"cmVk"},{"type":"tool_use","id":"toolu_1","name":"get_weather","input":{}}]""")));
    }

    [Fact]
    public void ForgedSignature_IsRefused() =>
        Assert.Contains("Invalid `signature`", Violation(Body(Manual,
            """[{"type":"thinking","thinking":"Look it up.","signature":"forged"},{"type":"tool_use","id":"toolu_1","name":"get_weather","input":{}}]""")), StringComparison.Ordinal);

    [Fact]
    public void LaterStepOfALoopThatStartedWithThinking_IsAccepted()
    {
        // A tool loop is one assistant turn: its second step carries no thinking block of its own.
        const string Step2 = """,{"role":"assistant","content":[{"type":"tool_use","id":"toolu_2","name":"get_weather","input":{}}]},{"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_2","content":"rain"}]}""";
        Assert.Null(Violation(Body(Manual, "[" + Signed("Look it up.") + """,{"type":"tool_use","id":"toolu_1","name":"get_weather","input":{}}]""", Step2)));
        Assert.NotNull(Violation(Body(Manual, ToolOnly, Step2)));
    }

    [Fact]
    public void ToolTurnOfAnEarlierUserTurn_DoesNotMatter() =>
        Assert.Null(Violation(Body(Manual, ToolOnly, """,{"role":"assistant","content":"It is sunny."},{"role":"user","content":"Thanks. And tomorrow?"}""")));
}
