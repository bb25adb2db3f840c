using Candor.Protocols.Canonical;

namespace Candor.Core.Routing;

/// <summary>Why one upstream attempt failed, in the terms the router acts on: whether another deployment
/// may be tried, whether the failure counts against the deployment's health, whether the channel is disabled.</summary>
public enum UpstreamFailure
{
    /// <summary>No failure.</summary>
    None,

    /// <summary>The connection could not be opened or was closed before a response.</summary>
    Connect,

    /// <summary>A channel timeout or the request's deadline expired, or the upstream answered 408.</summary>
    Timeout,

    /// <summary>A 5xx (other than overloaded) or a 409.</summary>
    ServerError,

    /// <summary>A 429.</summary>
    RateLimited,

    /// <summary>The provider said it is overloaded (529, Anthropic <c>overloaded_error</c>, Gemini <c>UNAVAILABLE</c>).</summary>
    Overloaded,

    /// <summary>A 401 or 403: the channel's credential was refused. The channel is disabled until a probe or an admin re-enables it.</summary>
    Credentials,

    /// <summary>A 404: the upstream does not know the configured model or endpoint.</summary>
    NotFound,

    /// <summary>The answer was not the protocol (wrong content type, bad JSON or SSE, an empty stream, an error event at its start).</summary>
    Malformed,

    /// <summary>The upstream rejected the request itself (400, 413, 422): another deployment would too; not retried.</summary>
    Rejected,

    /// <summary>The deployment cannot express the request (a feature its protocol lacks); another may.</summary>
    Unsupported,

    /// <summary>The answer exceeds <c>server.max_upstream_response_bytes</c>: the client's request asked for more than
    /// Candor relays whole; not retried, and not the deployment's fault.</summary>
    ResponseTooLarge,
}

/// <summary>Classifies upstream failures (one place for the retry and health rules).</summary>
internal static class FailureClassifier
{
    /// <summary>The class of an upstream error status; <paramref name="error"/> is the error Candor made of it (vendor type applied).</summary>
    public static UpstreamFailure FromStatus(int status, RelayError error) => status switch
    {
        401 or 403 => UpstreamFailure.Credentials,
        404 => UpstreamFailure.NotFound,
        408 => UpstreamFailure.Timeout,
        _ when error.Kind == RelayErrorKind.Overloaded => UpstreamFailure.Overloaded,
        429 => UpstreamFailure.RateLimited,
        409 or >= 500 => UpstreamFailure.ServerError,
        _ => UpstreamFailure.Rejected,
    };

    /// <summary>The class of an error that carries no upstream status (read failures, stream error events).</summary>
    public static UpstreamFailure FromError(RelayError error) => error.Kind switch
    {
        RelayErrorKind.UpstreamTimeout => UpstreamFailure.Timeout,
        RelayErrorKind.UpstreamUnavailable => UpstreamFailure.ServerError,
        RelayErrorKind.Overloaded => UpstreamFailure.Overloaded,
        RelayErrorKind.RateLimited => UpstreamFailure.RateLimited,
        RelayErrorKind.Authentication or RelayErrorKind.PermissionDenied => UpstreamFailure.Credentials,
        RelayErrorKind.UpstreamError or RelayErrorKind.Internal => UpstreamFailure.Malformed,
        RelayErrorKind.NotFound => UpstreamFailure.NotFound,
        _ => UpstreamFailure.Rejected,
    };

    /// <summary>Whether the next deployment may be tried (before the first byte only).</summary>
    public static bool IsRetryable(UpstreamFailure failure) => failure is not (UpstreamFailure.None or UpstreamFailure.Rejected or UpstreamFailure.ResponseTooLarge);

    /// <summary>Whether the failure counts in the deployment's failure-rate window. Failures the client's own request
    /// causes (rejected, unsupported, an answer over the response limit) never do: one account must not be able to
    /// open a circuit that every account shares.</summary>
    public static bool CountsAgainstHealth(UpstreamFailure failure) => failure is UpstreamFailure.Connect or UpstreamFailure.Timeout
        or UpstreamFailure.ServerError or UpstreamFailure.RateLimited or UpstreamFailure.Overloaded or UpstreamFailure.NotFound or UpstreamFailure.Malformed;

    /// <summary>The snake_case name used in the health read API.</summary>
    public static string Name(UpstreamFailure failure) => failure switch
    {
        UpstreamFailure.None => "none",
        UpstreamFailure.Connect => "connect",
        UpstreamFailure.Timeout => "timeout",
        UpstreamFailure.ServerError => "server_error",
        UpstreamFailure.RateLimited => "rate_limited",
        UpstreamFailure.Overloaded => "overloaded",
        UpstreamFailure.Credentials => "credentials",
        UpstreamFailure.NotFound => "not_found",
        UpstreamFailure.Malformed => "malformed",
        UpstreamFailure.Rejected => "rejected",
        UpstreamFailure.ResponseTooLarge => "response_too_large",
        _ => "unsupported",
    };
}
