using System.Buffers;
using System.Text.Json;
using System.Text.Json.Nodes;
using Candor.Core.Configuration;
using Candor.Core.Receipts;
using Candor.Protocols.Anthropic;
using Candor.Protocols.Canonical;
using Candor.Protocols.Gemini;
using Candor.Providers.DeepSeek;
using Candor.Providers.OpenAI;
using Candor.Providers.Qwen;
using static Candor.UnitTests.Protocols.OpenAI.OpenAITestHelpers;

namespace Candor.UnitTests.Core.Receipts;

/// <summary>A reasoning effort or a thinking budget sent in another wire's vocabulary is a declared transformation
/// (<c>mapped</c>, or <c>omitted</c> where the vendor has no field), so the parameter-integrity audit checks the real
/// encoding without flagging it; and the max_tokens Anthropic's profile declares is the one its encoder sends.</summary>
public sealed class ReasoningMappingTests
{
    private static string Anthropic(ChatRequest request)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var w = new Utf8JsonWriter(buffer, AnthropicRequestEncoder.WriterOptions))
        {
            AnthropicRequestEncoder.Write(request, "claude-x", w);
        }

        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static string Gemini(ChatRequest request) => WriteJson(w => GeminiRequestEncoder.Write(request, w));

    private static string Body(HttpRequestMessage message) => message.Content!.ReadAsStringAsync().GetAwaiter().GetResult();

    private static ChannelSettings Channel(string provider) => new() { Id = "c", Provider = provider, BaseUrl = new Uri("https://upstream.example/v1") };

    [Theory]
    [InlineData("low", 1024)]
    [InlineData("medium", 2048)]
    [InlineData("high", 4096)]
    public void EffortToAnthropic_IsMappedToItsBudget_AndTheCheckPassesOnTheRealEncoding(string effort, int budget)
    {
        var client = Decode($$"""{"model":"m","reasoning_effort":"{{effort}}","messages":[{"role":"user","content":"hi"}]}""");
        var declared = ParameterIntegrity.Declared(client, "claude-x", WireProtocol.Anthropic, fast: false);
        var mapped = Assert.Single(declared, static t => t.Kind == Transformation.Mapped);
        Assert.Equal(("reasoning_effort", $"{effort} -> thinking_budget {budget}"), (mapped.Target, mapped.Detail));

        string body = Anthropic(client);
        Assert.Equal(budget, JsonNode.Parse(body)!["thinking"]!["budget_tokens"]!.GetValue<int>());
        Assert.Empty(ParameterIntegrity.Check(client, System.Text.Encoding.UTF8.GetBytes(body), WireProtocol.Anthropic, "claude-x", declared));

        // Without the declaration the same request is flagged twice: the reason it is declared.
        Assert.Equal(["parameter_changed:reasoning_effort", "parameter_changed:thinking_budget"],
            ParameterIntegrity.Check(client, System.Text.Encoding.UTF8.GetBytes(body), WireProtocol.Anthropic, "claude-x", declared.Where(static t => t.Kind != Transformation.Mapped)));
    }

    [Theory]
    [InlineData("""{"model":"m","reasoning_effort":"high","messages":[{"role":"user","content":"hi"}]}""")]
    [InlineData("""{"model":"m","reasoning_effort":"medium","messages":[{"role":"user","content":"hi"}]}""")]
    [InlineData("""{"model":"m","reasoning_effort":"minimal","messages":[{"role":"user","content":"hi"}]}""")]
    [InlineData("""{"model":"m","messages":[{"role":"user","content":"hi"}]}""")]
    public void AnthropicProfile_DeclaresTheMaxTokensItsEncoderSends(string json)
    {
        var client = Decode(json);
        var injected = Assert.Single(ParameterIntegrity.Declared(client, "claude-x", WireProtocol.Anthropic, fast: false),
            static t => t.Target == "max_output_tokens");
        Assert.Equal(JsonNode.Parse(Anthropic(client))!["max_tokens"]!.GetValue<int>().ToString(System.Globalization.CultureInfo.InvariantCulture), injected.Detail);
    }

    [Fact]
    public void AnthropicClientsOwnThinking_AndAnOmittedTurn_DeclareNoMapping()
    {
        Assert.Null(AnthropicRequestEncoder.ReasoningMapping(Decode("""{"model":"m","messages":[{"role":"user","content":"hi"}]}""")));
        var minimal = Decode("""{"model":"m","reasoning_effort":"minimal","messages":[{"role":"user","content":"hi"}]}""");
        Assert.Equal("minimal -> no thinking", AnthropicRequestEncoder.ReasoningMapping(minimal));
        Assert.Null(JsonNode.Parse(Anthropic(minimal))!["thinking"]);
        Assert.Empty(ParameterIntegrity.Check(minimal, System.Text.Encoding.UTF8.GetBytes(Anthropic(minimal)), WireProtocol.Anthropic, "claude-x",
            ParameterIntegrity.Declared(minimal, "claude-x", WireProtocol.Anthropic, fast: false)));
    }

    [Fact]
    public void EffortToGemini_IsMappedToItsBudget_AndTheCheckPasses()
    {
        var client = Decode("""{"model":"m","reasoning_effort":"high","messages":[{"role":"user","content":"hi"}]}""");
        var declared = ParameterIntegrity.Declared(client, "gemini-x", WireProtocol.Gemini, fast: false);
        Assert.Equal("high -> thinking_budget 24576", Assert.Single(declared, static t => t.Kind == Transformation.Mapped).Detail);
        string body = Gemini(client);
        Assert.Empty(ParameterIntegrity.Check(client, System.Text.Encoding.UTF8.GetBytes(body), WireProtocol.Gemini, "gemini-x", declared));
        Assert.NotEmpty(ParameterIntegrity.Check(client, System.Text.Encoding.UTF8.GetBytes(body), WireProtocol.Gemini, "gemini-x", []));
    }

    [Fact]
    public void EffortToDeepSeek_IsDeclaredOmitted_AndTheCheckPasses()
    {
        var client = Decode("""{"model":"m","reasoning_effort":"high","messages":[{"role":"user","content":"hi"}]}""");
        var adapter = new DeepSeekAdapter();
        string body = Body(adapter.CreateChatRequest(Channel("deepseek"), "deepseek-reasoner", client));
        Assert.Null(JsonNode.Parse(body)!["reasoning_effort"]);

        var declared = ParameterIntegrity.Declared(client, "deepseek-reasoner", WireProtocol.OpenAI, fast: false);
        Assert.Contains("parameter_changed:reasoning_effort", ParameterIntegrity.Check(client, System.Text.Encoding.UTF8.GetBytes(body), WireProtocol.OpenAI, "deepseek-reasoner", declared));
        ((Candor.Core.Upstream.IProviderAdapter)adapter).Declare(client, "deepseek-reasoner", declared);
        var omitted = Assert.Single(declared, static t => t.Kind == Transformation.Omitted);
        Assert.Equal("reasoning_effort", omitted.Target);
        Assert.Empty(ParameterIntegrity.Check(client, System.Text.Encoding.UTF8.GetBytes(body), WireProtocol.OpenAI, "deepseek-reasoner", declared));
    }

    [Fact]
    public void ThinkingBudgetToQwen_IsMappedToItsSwitch_ToOpenAIOmitted()
    {
        var client = new ChatRequest { Model = "m", SourceProtocol = WireProtocol.Anthropic, ThinkingBudget = 2048, Stream = true, MaxOutputTokens = 4096 };
        client.Messages.Add(ChatMessage.Text(ChatRole.User, "hi"));

        var qwen = new QwenAdapter();
        string body = Body(qwen.CreateChatRequest(Channel("qwen"), "qwen-plus", client));
        var declared = ParameterIntegrity.Declared(client, "qwen-plus", WireProtocol.OpenAI, fast: false);
        ((Candor.Core.Upstream.IProviderAdapter)qwen).Declare(client, "qwen-plus", declared);
        var mapped = Assert.Single(declared, static t => t.Kind == Transformation.Mapped);
        Assert.Equal(("thinking_budget", """2048 -> {"enable_thinking":true,"thinking_budget":2048}"""), (mapped.Target, mapped.Detail));
        Assert.DoesNotContain(ParameterIntegrity.Check(client, System.Text.Encoding.UTF8.GetBytes(body), WireProtocol.OpenAI, "qwen-plus", declared),
            static f => f.Contains("thinking", StringComparison.Ordinal));

        var openai = new OpenAIAdapter();
        var toOpenAI = ParameterIntegrity.Declared(client, "gpt-x", WireProtocol.OpenAI, fast: false);
        ((Candor.Core.Upstream.IProviderAdapter)openai).Declare(client, "gpt-x", toOpenAI);
        Assert.Equal("thinking_budget", Assert.Single(toOpenAI, static t => t.Kind == Transformation.Omitted).Target);
    }
}
