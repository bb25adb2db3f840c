using System.Buffers;
using System.Text;
using System.Text.Json;
using Candor.Core.Relay;
using Candor.Protocols.Anthropic;
using Candor.Protocols.Canonical;
using Candor.Protocols.Codecs;
using Candor.Protocols.Gemini;
using Candor.Protocols.OpenAI;
using Candor.Protocols.Sse;

namespace Candor.UnitTests.Protocols.Codecs;

/// <summary>Bodies whose strings are not text (invalid UTF-8, lone surrogate escapes) are refused with a 400 by every
/// decoder entry point, and header values made from upstream data are always valid for Kestrel.</summary>
public sealed class InvalidTextTests
{
    private delegate bool Decode(ReadOnlySpan<byte> body, out RelayError? error);

    private static readonly Dictionary<string, Decode> Decoders = new()
    {
        ["openai-chat"] = static (ReadOnlySpan<byte> b, out RelayError? e) => OpenAIChatRequestDecoder.TryDecode(b, out _, out e),
        ["openai-embeddings"] = static (ReadOnlySpan<byte> b, out RelayError? e) => OpenAIEmbeddingsCodec.TryDecodeRequest(b, out _, out e),
        ["anthropic"] = static (ReadOnlySpan<byte> b, out RelayError? e) => AnthropicRequestDecoder.TryDecode(b, out _, out e),
        ["anthropic-count"] = static (ReadOnlySpan<byte> b, out RelayError? e) => AnthropicRequestDecoder.TryDecodeCountTokens(b, out _, out e),
        ["gemini"] = static (ReadOnlySpan<byte> b, out RelayError? e) => GeminiRequestDecoder.TryDecode(b, "m", stream: false, out _, out e),
        ["gemini-count"] = static (ReadOnlySpan<byte> b, out RelayError? e) => GeminiRequestDecoder.TryDecodeCountTokens(b, "m", out _, out e),
    };

    private static string Body(string decoder, string text) => decoder switch
    {
        "openai-chat" => $$"""{"model":"m","messages":[{"role":"user","content":"{{text}}"}]}""",
        "openai-embeddings" => $$"""{"model":"m","input":"{{text}}"}""",
        "anthropic" or "anthropic-count" => $$"""{"model":"m","max_tokens":5,"messages":[{"role":"user","content":"{{text}}"}]}""",
        _ => $$"""{"contents":[{"role":"user","parts":[{"text":"{{text}}"}]}]}""",
    };

    public static TheoryData<string, string> Cases()
    {
        var data = new TheoryData<string, string>();
        foreach (string decoder in Decoders.Keys)
        {
            data.Add(decoder, "lone-high");
            data.Add(decoder, "lone-low");
            data.Add(decoder, "invalid-utf8");
            data.Add(decoder, "encoded-surrogate");
            data.Add(decoder, "name");
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void TextThatIsNotUnicode_IsA400(string decoder, string kind)
    {
        byte[] body = kind switch
        {
            "lone-high" => Encoding.UTF8.GetBytes(Body(decoder, "a\\ud800b")),
            "lone-low" => Encoding.UTF8.GetBytes(Body(decoder, "\\udc00")),
            "invalid-utf8" => Splice(Body(decoder, "@"), [0xC3, 0x28]),
            "encoded-surrogate" => Splice(Body(decoder, "@"), [0xED, 0xA0, 0x80]),
            _ => Encoding.UTF8.GetBytes(Body(decoder, "x").Replace("\"model\"", "\"\\ud800\"", StringComparison.Ordinal)
                .Replace("\"contents\"", "\"\\ud800\":1,\"contents\"", StringComparison.Ordinal)),
        };

        Assert.False(Decoders[decoder](body, out var error));
        Assert.Equal(400, error!.StatusCode);
        Assert.Same(InvalidText.Error, error);
    }

    [Theory]
    [InlineData("""{"a":"\ud83d\ude00 caf\u00e9 \\ud800 \\\ud83D\uDE00","b":["\n\\"],"\u00e9":"\uD800\uDC00"}""")]
    [InlineData("""{"a":"\\"}""")]
    [InlineData("""{"a":"\u12""")]
    [InlineData("""{"a":"x\""")]
    public void ValidTextAndPairedEscapes_AreText(string json) => Assert.True(InvalidText.IsText(Encoding.UTF8.GetBytes(json)));

    [Theory]
    [InlineData("""{"a":{"b":["\udfff"]}}""")]
    [InlineData("""{"a":"\ud800"}""")]
    [InlineData("""{"a":"\uD800\u0041"}""")]
    [InlineData("""{"a":"\ud800\ud800"}""")]
    [InlineData("""{"a":"\\\ud800"}""")]
    [InlineData("""{"\udc00":1}""")]
    [InlineData("""{"a":"\ud800""")]
    public void LoneSurrogateEscapes_AreNotText(string json) => Assert.False(InvalidText.IsText(Encoding.UTF8.GetBytes(json)));

    [Theory]
    [InlineData("gpt-4o-mini", "gpt-4o-mini")]
    [InlineData("gpt-4o-mini-cafe\u0301", "gpt-4o-mini-cafe%CC%81")]
    [InlineData("a\u0000b", "a%00b")]
    [InlineData("a\r\nb c", "a%0D%0Ab%20c")]
    [InlineData("100%", "100%25")]
    [InlineData("\ud83d\ude00", "%F0%9F%98%80")]
    public void HeaderValuesFromUpstream_AreVisibleAscii(string value, string expected)
    {
        string encoded = RelayHeaders.Encode(value);
        Assert.Equal(expected, encoded);
        Assert.All(encoded, static c => Assert.InRange(c, '!', '~'));
    }

    [Fact]
    public void LoneSurrogateInHeaderValue_IsEncodedAsReplacementCharacter()
    {
        // Built at run time: a lone surrogate in an attribute argument does not survive compilation.
        Assert.Equal("x%EF%BF%BDy%EF%BF%BD", RelayHeaders.Encode("x" + (char)0xD800 + "y" + (char)0xDC00));
    }

    [Fact]
    public void PlainHeaderValue_IsReturnedWithoutCopy()
    {
        string value = "claude-sonnet-4-5@2025";
        Assert.Same(value, RelayHeaders.Encode(value));
    }

    [Fact]
    public void UpstreamAnswerWithLoneSurrogateOrInvalidUtf8_IsMalformedNotACrash()
    {
        var openai = Encoding.UTF8.GetBytes("""{"id":"chatcmpl-\ud800","object":"chat.completion","model":"gpt-4o","choices":[{"index":0,"message":{"role":"assistant","content":"hi"},"finish_reason":"stop"}],"usage":{"prompt_tokens":1,"completion_tokens":1,"total_tokens":2}}""");
        var anthropic = Encoding.UTF8.GetBytes("""{"id":"msg_\udc00","type":"message","role":"assistant","model":"claude","content":[{"type":"text","text":"hi"}],"stop_reason":"end_turn","usage":{"input_tokens":1,"output_tokens":1}}""");
        var gemini = Splice("""{"candidates":[{"content":{"role":"model","parts":[{"text":"hi"}]},"finishReason":"STOP","index":0}],"modelVersion":"gem@","responseId":"r"}""", [0xC3, 0x28]);
        Assert.ThrowsAny<JsonException>(() => new OpenAIChatUpstreamDecoder().DecodeResponse(openai, []));
        Assert.ThrowsAny<JsonException>(() => new AnthropicUpstreamDecoder().DecodeResponse(anthropic, []));
        Assert.ThrowsAny<JsonException>(() => new GeminiUpstreamDecoder().DecodeResponse(gemini, []));
        var chunk = Encoding.UTF8.GetBytes("""{"id":"c\ud800","object":"chat.completion.chunk","model":"m","choices":[{"index":0,"delta":{"content":"x"}}]}""");
        Assert.ThrowsAny<JsonException>(() => new OpenAIChatUpstreamDecoder().DecodeStreamEvent(new SseEvent(null, chunk, null), []));
    }

    [Fact]
    public void ClientEncoders_WriteLoneSurrogatesInIdAndModel_WithoutThrowing()
    {
        string lone = "resp-" + (char)0xD800;
        var response = new ChatResponse { Id = lone, Model = "gpt-4o-mini-cafe\u0301" + (char)0xDC00 };
        var request = new ChatRequest { Model = "m" };
        foreach (Action<IBufferWriter<byte>> write in new Action<IBufferWriter<byte>>[]
        {
            o => new OpenAIChatClientEncoder(request).WriteResponse(response, o),
            o => new AnthropicClientEncoder(request).WriteResponse(response, o),
            o => new GeminiClientEncoder(request).WriteResponse(response, o),
        })
        {
            var output = new ArrayBufferWriter<byte>();
            write(output);
            using var doc = JsonDocument.Parse(output.WrittenMemory);
            Assert.True(InvalidText.IsText(output.WrittenSpan));
        }
    }

    private static byte[] Splice(string json, byte[] bytes)
    {
        byte[] utf8 = Encoding.UTF8.GetBytes(json);
        int at = Array.IndexOf(utf8, (byte)'@');
        return [.. utf8[..at], .. bytes, .. utf8[(at + 1)..]];
    }
}
