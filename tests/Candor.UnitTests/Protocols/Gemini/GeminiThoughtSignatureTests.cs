using Candor.Protocols.Canonical;
using Candor.Protocols.Gemini;
using static Candor.UnitTests.Protocols.Gemini.GeminiTestJson;

namespace Candor.UnitTests.Protocols.Gemini;

/// <summary>A model turn sent back by a Gemini client whose thinking came from Anthropic: Candor streams the thoughts
/// part by part and puts the block's signature on the function call after them (Gemini's place for it); the client sends
/// the parts back (the AI SDK joins the thoughts), and the canonical turn holds one signed thinking block again.</summary>
public sealed class GeminiThoughtSignatureTests
{
    private static ChatMessage ModelTurn(string parts)
    {
        string json = """{"contents":[{"role":"user","parts":[{"text":"q"}]},{"role":"model","parts":["""
            + parts + """]},{"role":"user","parts":[{"functionResponse":{"id":"t1","name":"f","response":{"output":"ok"}}}]}]}""";
        Assert.True(GeminiRequestDecoder.TryDecode(Utf8(json), "m", false, out var request, out var error), error?.Message);
        return request.Messages[1];
    }

    [Fact]
    public void ThoughtPartsThenSignedCall_JoinIntoOneSignedBlockBeforeTheCall()
    {
        var turn = ModelTurn("""{"text":"one","thought":true},{"text":" two","thought":true},{"functionCall":{"id":"t1","name":"f","args":{}},"thoughtSignature":"SIG"}""");

        var thinking = Assert.IsType<ThinkingPart>(turn.Parts[0]);
        Assert.Equal(("one two", "SIG"), (thinking.Text, thinking.Signature));
        Assert.IsType<ToolCallPart>(turn.Parts[1]);
        Assert.Equal(2, turn.Parts.Count);
    }

    [Fact]
    public void SignedThought_KeepsItsOwnSignature()
    {
        var turn = ModelTurn("""{"text":"one","thought":true,"thoughtSignature":"OWN"},{"functionCall":{"id":"t1","name":"f","args":{}},"thoughtSignature":"CALL"}""");

        Assert.Equal("OWN", Assert.IsType<ThinkingPart>(turn.Parts[0]).Signature);
    }

    [Fact]
    public void SignedCallWithoutThoughts_SignsNothingElse()
    {
        var turn = ModelTurn("""{"text":"visible"},{"functionCall":{"id":"t1","name":"f","args":{}},"thoughtSignature":"CALL"}""");

        Assert.IsType<TextPart>(turn.Parts[0]);
        Assert.Equal(2, turn.Parts.Count);
    }
}
