using Candor.Protocols.Anthropic;
using Candor.Protocols.Canonical;
using Candor.Protocols.Codecs;

namespace Candor.UnitTests.Protocols.Codecs;

/// <summary>One upstream failure, one status per client surface, whatever the upstream's wire (issue 14 item 9).</summary>
public sealed class SurfaceStatusTests
{
    public static TheoryData<string, RelayError> Overloaded => new()
    {
        { "anthropic 529", UpstreamErrors.FromStatus(529, "overloaded_error", null) },
        { "anthropic overloaded_error in a stream", UpstreamErrors.FromStatus(529, "overloaded_error", null) },
        { "gemini 503 UNAVAILABLE", UpstreamErrors.FromStatus(503, "UNAVAILABLE", null) },
        { "a 529 of any wire", UpstreamErrors.FromStatus(529, null, null) },
    };

    [Theory]
    [MemberData(nameof(Overloaded))]
    public void OverloadedUpstream_IsEachSurfacesOwnStatus(string what, RelayError error)
    {
        Assert.True(what.Length > 0);
        Assert.Equal(503, SurfaceStatus.Of(WireProtocol.OpenAI, error));
        Assert.Equal(529, SurfaceStatus.Of(WireProtocol.Anthropic, error));
        Assert.Equal(503, SurfaceStatus.Of(WireProtocol.Gemini, error));
        Assert.Equal("overloaded_error", AnthropicErrors.TypeOf(SurfaceStatus.For(WireProtocol.Anthropic, error)));
    }

    [Fact]
    public void OtherFailures_AndCandorsOwnRefusals_KeepTheirStatus()
    {
        var unavailable = UpstreamErrors.FromStatus(503, null, null);
        var own = new RelayError(RelayStage.Admission, RelayErrorKind.Overloaded, 503, "This server is at its limit.");
        foreach (var surface in new[] { WireProtocol.OpenAI, WireProtocol.Anthropic, WireProtocol.Gemini })
        {
            Assert.Equal(502, SurfaceStatus.Of(surface, unavailable));
            Assert.Equal(503, SurfaceStatus.Of(surface, own));
            Assert.Equal(429, SurfaceStatus.Of(surface, UpstreamErrors.FromStatus(429, null, null)));
        }

        Assert.Same(own, SurfaceStatus.For(WireProtocol.Anthropic, own));
    }

    [Fact]
    public void GeminiEnvelope_CodeIsTheGeminiStatus()
    {
        var output = new System.Buffers.ArrayBufferWriter<byte>();
        Candor.Protocols.Gemini.GeminiErrors.Write(UpstreamErrors.FromStatus(529, "overloaded_error", null), output);
        Assert.Contains("\"code\":503", System.Text.Encoding.UTF8.GetString(output.WrittenSpan), StringComparison.Ordinal);
    }
}
