using System.Text.Json.Nodes;
using Candor.Core.Admission;
using Candor.Core.Configuration;
using Candor.Protocols.Canonical;
using Candor.Protocols.Codecs;
using Candor.Providers.Anthropic;
using static Candor.UnitTests.Protocols.OpenAI.OpenAITestHelpers;

namespace Candor.UnitTests.Providers.Anthropic;

/// <summary>What an Anthropic deployment can bill is what Candor reserves (the max_tokens the encoder sends), and a client
/// limit that leaves no room for the thinking budget never goes out as a request Anthropic refuses
/// (budget_tokens must be at least 1024 and below max_tokens).</summary>
public sealed class AnthropicOutputLimitTests
{
    private static readonly ChannelSettings Channel = new() { Id = "an", Provider = "anthropic", BaseUrl = new Uri("https://api.anthropic.com"), ApiKey = "k" };

    private static JsonNode Sent(ChatRequest request)
    {
        using var message = new AnthropicAdapter().CreateChatRequest(Channel, "claude-x", request);
        return JsonNode.Parse(message.Content!.ReadAsStringAsync().GetAwaiter().GetResult())!;
    }

    private static ChatRequest Effort(string effort, int? maxTokens = null) => Decode(
        $$"""{"model":"m","reasoning_effort":"{{effort}}",{{(maxTokens is int m ? $"\"max_tokens\":{m}," : "")}}"messages":[{"role":"user","content":"hi"}]}""");

    [Theory]
    [InlineData("low", 1024 + 4096)]
    [InlineData("high", 4096 + 4096)]
    [InlineData("minimal", 4096)]
    public void NoClientLimit_ReservesTheMaxTokensSent_NotTheServerDefault(string effort, int sent)
    {
        var request = Effort(effort);
        Assert.Equal(sent, Sent(request)["max_tokens"]!.GetValue<int>());
        Assert.Equal(sent, WireProfile.Anthropic.SentOutputLimit(request));
        Assert.Equal(sent, OutputLimit.PerChoice(request, WireProtocol.Anthropic, defaultMax: 200));
        // A wire that sends no limit of its own takes the server's default; an unknown deployment too.
        Assert.Equal(200, OutputLimit.PerChoice(request, WireProtocol.OpenAI, defaultMax: 200));
        Assert.Equal(200, OutputLimit.PerChoice(request, wire: null, defaultMax: 200));
    }

    [Fact]
    public void ClientLimit_IsReservedAsItIs_OnEveryWire()
    {
        var request = Effort("high", 5000);
        Assert.Equal(5000, OutputLimit.PerChoice(request, WireProtocol.Anthropic, defaultMax: 200));
        Assert.Equal(5000, OutputLimit.PerChoice(request, WireProtocol.Gemini, defaultMax: 200));
        Assert.Equal(5000, Sent(request)["max_tokens"]!.GetValue<int>());
    }

    [Theory]
    [InlineData("high", 4096, 4095)]
    [InlineData("high", 2000, 1999)]
    [InlineData("medium", 1025, 1024)]
    public void EffortBudgetAtOrAboveTheClientLimit_ShrinksBelowIt_AndIsDeclared(string effort, int max, int budget)
    {
        var request = Effort(effort, max);
        Assert.Null(new AnthropicAdapter().CheckSupported(request));
        var body = Sent(request);
        Assert.Equal(max, body["max_tokens"]!.GetValue<int>());
        Assert.Equal(budget, body["thinking"]!["budget_tokens"]!.GetValue<int>());
        Assert.Equal($"{effort} -> thinking_budget {budget}", WireProfile.Anthropic.Mapped(request)?.Value);
    }

    [Theory]
    [InlineData("low", 1024)]
    [InlineData("high", 1000)]
    [InlineData("medium", 16)]
    public void EffortWithNoRoomForTheSmallestBudget_IsRefusedBeforeSending(string effort, int max)
    {
        var error = new AnthropicAdapter().CheckSupported(Effort(effort, max));
        Assert.NotNull(error);
        Assert.Equal(400, error.StatusCode);
        Assert.Equal("max_tokens", error.Param);
    }

    [Fact]
    public void GeminiBudgetAtOrAboveTheClientLimit_IsRefused_NotChanged()
    {
        var request = new ChatRequest { Model = "m", SourceProtocol = WireProtocol.Gemini, MaxOutputTokens = 2048, ThinkingBudget = 2048 };
        request.Messages.Add(ChatMessage.Text(ChatRole.User, "hi"));
        var error = new AnthropicAdapter().CheckSupported(request);
        Assert.NotNull(error);
        Assert.Contains("2048", error.Message, StringComparison.Ordinal);

        request.MaxOutputTokens = 2049;
        Assert.Null(new AnthropicAdapter().CheckSupported(request));
        Assert.Equal(2048, Sent(request)["thinking"]!["budget_tokens"]!.GetValue<int>());
    }

    [Fact]
    public void AnthropicClientsOwnThinking_IsLeftToTheUpstream()
    {
        // The interleaved-thinking beta lets budget_tokens exceed max_tokens: Candor does not second-guess its own wire.
        var request = new ChatRequest { Model = "m", SourceProtocol = WireProtocol.Anthropic, MaxOutputTokens = 1024, ThinkingBudget = 8000 };
        request.Messages.Add(ChatMessage.Text(ChatRole.User, "hi"));
        Assert.Null(new AnthropicAdapter().CheckSupported(request));
        Assert.Equal(8000, Sent(request)["thinking"]!["budget_tokens"]!.GetValue<int>());
    }
}
