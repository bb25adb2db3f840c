namespace Candor.Protocols.Canonical;

/// <summary>The stage of the request path where a failure happened.</summary>
public enum RelayStage
{
    /// <summary>Reading the client's request (bad JSON, missing fields, too large).</summary>
    Decode,

    /// <summary>Authentication, permissions, limits.</summary>
    Admission,

    /// <summary>Applying the privacy policy to the request (a blocked entity type).</summary>
    Privacy,

    /// <summary>Finding a deployment for the public model.</summary>
    Routing,

    /// <summary>Talking to the upstream (connect, status, timeouts, malformed answers).</summary>
    Upstream,

    /// <summary>Writing to the client.</summary>
    Encode,
}

/// <summary>What kind of failure, in the terms every surface can express.</summary>
public enum RelayErrorKind
{
    InvalidRequest,
    Authentication,
    PermissionDenied,
    NotFound,
    RequestTooLarge,
    RateLimited,
    Overloaded,
    UpstreamTimeout,
    UpstreamUnavailable,
    UpstreamError,
    Internal,
}

/// <summary>An expected failure as a value: the stage, the kind, the HTTP status the client gets and a
/// message safe to show (never user content, never a secret).</summary>
public sealed record RelayError(RelayStage Stage, RelayErrorKind Kind, int StatusCode, string Message)
{
    /// <summary>The request parameter at fault, when known (OpenAI's <c>param</c>).</summary>
    public string? Param { get; init; }

    /// <summary>Seconds the client should wait before retrying (429, 503).</summary>
    public int? RetryAfterSeconds { get; init; }

    /// <summary>The HTTP status the upstream answered with, when the error is an upstream's error status (the client's
    /// <see cref="StatusCode"/> maps it: a 500 upstream is a 502 to the client); for the operator log and the receipt.</summary>
    public int? UpstreamStatus { get; init; }

    /// <summary>A vendor error code to pass through (OpenAI <c>code</c>), when known.</summary>
    public string? Code { get; init; }

    public static RelayError BadRequest(string message, string? param = null) =>
        new(RelayStage.Decode, RelayErrorKind.InvalidRequest, 400, message) { Param = param };

    public static RelayError TooLarge(long limit) =>
        new(RelayStage.Decode, RelayErrorKind.RequestTooLarge, 413, $"Request body exceeds the limit of {limit} bytes.");

    public static RelayError Unauthorized() =>
        new(RelayStage.Admission, RelayErrorKind.Authentication, 401, "Invalid API key.") { Code = "invalid_api_key" };

    public static RelayError ModelNotFound(string model) =>
        new(RelayStage.Routing, RelayErrorKind.NotFound, 404, $"The model '{model}' does not exist or you do not have access to it.") { Param = "model", Code = "model_not_found" };
}
