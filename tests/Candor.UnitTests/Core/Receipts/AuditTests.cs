using Candor.Core.Receipts;
using Candor.Protocols.Canonical;
using Candor.Protocols.OpenAI;

namespace Candor.UnitTests.Core.Receipts;

public sealed class AuditTests
{
    private static ChatRequest Client(string json)
    {
        Assert.True(OpenAIChatRequestDecoder.TryDecode(System.Text.Encoding.UTF8.GetBytes(json), out var request, out var error), error?.Message);
        return request;
    }

    [Fact]
    public void ForwardedParameterChangedWithoutTransformation_IsFlagged()
    {
        var client = Client("""{"model":"m","max_tokens":100,"temperature":0.7,"reasoning_effort":"high","messages":[{"role":"user","content":"hi"}]}""");
        var forwarded = Client("""{"model":"gpt","max_tokens":50,"temperature":0.7,"reasoning_effort":"low","messages":[{"role":"user","content":"hi"}]}""");
        var flags = ParameterIntegrity.Compare(client, forwarded, [new(Transformation.ModelMapping, "model", "m -> gpt")]);
        Assert.Equal(["parameter_changed:max_output_tokens", "parameter_changed:reasoning_effort"], flags);
    }

    [Fact]
    public void ListedTransformation_IsNotFlagged()
    {
        var client = Client("""{"model":"m","messages":[{"role":"user","content":"hi"}]}""");
        var forwarded = Client("""{"model":"gpt","max_tokens":4096,"messages":[{"role":"user","content":"hi"}]}""");
        Assert.Equal(["parameter_changed:max_output_tokens"], ParameterIntegrity.Compare(client, forwarded, []));
        Assert.Empty(ParameterIntegrity.Compare(client, forwarded, [new(Transformation.Injected, "max_output_tokens", "4096")]));
    }

    [Fact]
    public void TranslatedToAnthropic_DeclaresTheDefaultMaxTokens_AndTheCheckPassesOnTheRealEncoding()
    {
        var client = Client("""{"model":"m","temperature":0.5,"messages":[{"role":"user","content":"hi"}]}""");
        var declared = ParameterIntegrity.Declared(client, "claude-x", WireProtocol.Anthropic, fast: false);
        Assert.Contains(declared, t => t.Target == "max_output_tokens" && t.Kind == Transformation.Injected);
        Assert.Contains(declared, t => t.Kind == Transformation.ModelMapping);

        var encoded = new System.Buffers.ArrayBufferWriter<byte>();
        using (var w = new System.Text.Json.Utf8JsonWriter(encoded))
        {
            Candor.Protocols.Anthropic.AnthropicRequestEncoder.Write(client, "claude-x", w);
        }

        Assert.Empty(ParameterIntegrity.Check(client, encoded.WrittenSpan, WireProtocol.Anthropic, "claude-x", declared));
        Assert.Equal(["parameter_changed:max_output_tokens"], ParameterIntegrity.Check(client, encoded.WrittenSpan, WireProtocol.Anthropic, "claude-x", []));
    }

    [Theory]
    [InlineData("""{"model":"m","response_format":{"type":"json_object"},"messages":[{"role":"user","content":"hi"}]}""")]
    [InlineData("""{"model":"m","response_format":{"type":"json_object"},"messages":[{"role":"system","content":"Be terse."},{"role":"user","content":"hi"}]}""")]
    public void JsonObjectToAnthropic_DeclaresTheSystemInstruction_AndTheCheckPassesOnTheRealEncoding(string json)
    {
        var client = Client(json);
        var declared = ParameterIntegrity.Declared(client, "claude-x", WireProtocol.Anthropic, fast: false);
        var instruction = Assert.Single(declared, t => t.Target == "messages");
        Assert.Equal(Transformation.Injected, instruction.Kind);
        Assert.Contains("response_format json_object", instruction.Detail, StringComparison.Ordinal);

        var encoded = new System.Buffers.ArrayBufferWriter<byte>();
        using (var w = new System.Text.Json.Utf8JsonWriter(encoded))
        {
            Candor.Protocols.Anthropic.AnthropicRequestEncoder.Write(client, "claude-x", w);
        }

        Assert.Empty(ParameterIntegrity.Check(client, encoded.WrittenSpan, WireProtocol.Anthropic, "claude-x", declared));
    }

    [Fact]
    public void JsonObjectToOpenAIOrGemini_DeclaresNoInstruction()
    {
        var client = Client("""{"model":"m","response_format":{"type":"json_object"},"messages":[{"role":"user","content":"hi"}]}""");
        Assert.DoesNotContain(ParameterIntegrity.Declared(client, "g", WireProtocol.Gemini, fast: false), t => t.Target == "messages");
        Assert.DoesNotContain(ParameterIntegrity.Declared(client, "g", WireProtocol.OpenAI, fast: false), t => t.Target == "messages");
    }

    [Fact]
    public void UnreadableForwardedBody_IsFlagged() =>
        Assert.Equal([AuditFlags.ForwardedUnreadable], ParameterIntegrity.Check(Client("""{"model":"m","messages":[{"role":"user","content":"hi"}]}"""), "not json"u8, WireProtocol.OpenAI, "m", []));

    [Theory]
    [InlineData("gpt-4o-mini", "gpt-4o-mini", "openai", true)]
    [InlineData("gpt-4o-mini", "gpt-4o-mini-2024-07-18", "openai", true)]
    [InlineData("gemini-2.5-flash", "models/gemini-2.5-flash", "gemini", true)]
    [InlineData("gpt-4o", "gpt-4o-mini", "openai", false)]
    [InlineData("claude-opus-4", "claude-haiku-4", "anthropic", false)]
    [InlineData("gpt-4o", null, "openai", true)]
    [InlineData("my-deployment", "gpt-4o-2024-08-06", "azure", true)]
    public void ServedModel_MatchesOnlyTheExpectedModelOrItsSnapshots(string expected, string? reported, string provider, bool match) =>
        Assert.Equal(match, ServedModelAudit.Matches(expected, reported, provider));

    [Theory]
    [InlineData("gpt-4o", "gpt-4o-2024-08-06", true)]
    [InlineData("gpt-4o", "gpt-4o", true)]
    [InlineData("gpt-4o", "gpt-4o-mini", false)]
    [InlineData("gpt-4o", "gpt-35-turbo", false)]
    public void AzureDeployment_WithADeclaredServedModel_IsJudged(string served, string reported, bool match) =>
        Assert.Equal(match, ServedModelAudit.Matches(served, reported, "azure", declared: true));
}
