using Candor.Protocols.Canonical;

namespace Candor.Protocols.Codecs;

/// <summary>Maps an upstream HTTP failure to a client-facing error. The upstream's message is not copied
/// to the client: upstream error bodies often echo the request, which may hold user content.</summary>
public static class UpstreamErrors
{
    /// <summary>Classifies an upstream status code.</summary>
    /// <param name="status">The upstream HTTP status.</param>
    /// <param name="vendorType">The upstream's own error type word when the body gave one (for example
    /// <c>overloaded_error</c>, <c>RESOURCE_EXHAUSTED</c>), else null.</param>
    /// <param name="retryAfterSeconds">The upstream's Retry-After, when given.</param>
    public static RelayError FromStatus(int status, string? vendorType, int? retryAfterSeconds)
    {
        var (kind, clientStatus, message) = status switch
        {
            400 => (RelayErrorKind.InvalidRequest, 400, "The upstream provider rejected the request as invalid."),
            401 or 403 => (RelayErrorKind.UpstreamError, 502, "The upstream provider refused Candor's credentials for this channel."),
            404 => (RelayErrorKind.UpstreamError, 502, "The upstream provider does not know the configured model or endpoint."),
            408 => (RelayErrorKind.UpstreamTimeout, 504, "The upstream provider timed out."),
            413 => (RelayErrorKind.RequestTooLarge, 413, "The upstream provider rejected the request as too large."),
            422 => (RelayErrorKind.InvalidRequest, 400, "The upstream provider rejected the request as invalid."),
            429 => (RelayErrorKind.RateLimited, 429, "The upstream provider is rate limiting requests; retry later."),
            529 => (RelayErrorKind.Overloaded, 529, "The upstream provider is overloaded; retry later."),
            503 when vendorType is "overloaded_error" or "UNAVAILABLE" => (RelayErrorKind.Overloaded, 503, "The upstream provider is overloaded; retry later."),
            504 => (RelayErrorKind.UpstreamTimeout, 504, "The upstream provider timed out."),
            >= 500 => (RelayErrorKind.UpstreamUnavailable, 502, $"The upstream provider failed with status {status}."),
            _ => (RelayErrorKind.UpstreamError, 502, $"The upstream provider answered with unexpected status {status}."),
        };
        if (vendorType is "overloaded_error")
        {
            (kind, clientStatus, message) = (RelayErrorKind.Overloaded, 529, "The upstream provider is overloaded; retry later.");
        }

        return new RelayError(RelayStage.Upstream, kind, clientStatus, message) { RetryAfterSeconds = retryAfterSeconds, UpstreamStatus = status };
    }

    /// <summary>The upstream answered with a body that is not its protocol.</summary>
    public static RelayError Malformed(string what) =>
        new(RelayStage.Upstream, RelayErrorKind.UpstreamError, 502, $"The upstream provider sent a malformed response ({what}).");

    /// <summary>The upstream connection failed or was cut.</summary>
    public static RelayError Unavailable(string what) =>
        new(RelayStage.Upstream, RelayErrorKind.UpstreamUnavailable, 502, $"The upstream provider could not be reached ({what}).");

    /// <summary>The upstream's answer exceeds Candor's limit (<c>server.max_upstream_response_bytes</c>).</summary>
    public static RelayError ResponseTooLarge(long limit) =>
        new(RelayStage.Upstream, RelayErrorKind.UpstreamError, 502,
            $"The upstream response is too large: it exceeds Candor's limit of {limit.ToString(System.Globalization.CultureInfo.InvariantCulture)} bytes; ask for less in one request.");

    /// <summary>A channel timeout expired.</summary>
    public static RelayError Timeout(string which) =>
        new(RelayStage.Upstream, RelayErrorKind.UpstreamTimeout, 504, $"The upstream provider timed out ({which}).");
}
