using Candor.Protocols.Anthropic;
using Candor.Protocols.Canonical;
using static Candor.UnitTests.Protocols.Anthropic.AnthropicTestHelpers;

namespace Candor.UnitTests.Protocols.Anthropic;

public sealed class AnthropicErrorsTests
{
    [Theory]
    [InlineData(RelayErrorKind.InvalidRequest, "invalid_request_error")]
    [InlineData(RelayErrorKind.Authentication, "authentication_error")]
    [InlineData(RelayErrorKind.PermissionDenied, "permission_error")]
    [InlineData(RelayErrorKind.NotFound, "not_found_error")]
    [InlineData(RelayErrorKind.RequestTooLarge, "request_too_large")]
    [InlineData(RelayErrorKind.RateLimited, "rate_limit_error")]
    [InlineData(RelayErrorKind.Overloaded, "overloaded_error")]
    [InlineData(RelayErrorKind.UpstreamTimeout, "api_error")]
    [InlineData(RelayErrorKind.UpstreamUnavailable, "api_error")]
    [InlineData(RelayErrorKind.UpstreamError, "api_error")]
    [InlineData(RelayErrorKind.Internal, "api_error")]
    public void Envelope_UsesAnthropicsErrorTypes(RelayErrorKind kind, string type)
    {
        var error = new RelayError(RelayStage.Upstream, kind, 500, "Something \"quoted\" failed.");

        Assert.Equal(
            "{\"type\":\"error\",\"error\":{\"type\":\"" + type + "\",\"message\":\"Something \\\"quoted\\\" failed.\"}}",
            Utf8(o => AnthropicErrors.Write(error, o)));
    }

    [Fact]
    public void CountTokens_WritesInputTokens()
    {
        Assert.Equal("{\"input_tokens\":2095}", Utf8(o => AnthropicErrors.WriteCountTokens(2095, o)));
    }
}
