using Candor.Emulator.Http;

namespace Candor.Emulator.Vendors;

/// <summary>Google's error envelope: <c>{"error":{"code","message","status"}}</c>.</summary>
internal sealed class GeminiErrors : IErrorDialect
{
    public static readonly GeminiErrors Instance = new();

    public byte[] ErrorBody(int status, string message) => Json.Write(w =>
    {
        w.WriteStartObject();
        w.WriteStartObject("error");
        w.WriteNumber("code", status);
        w.WriteString("message", message);
        w.WriteString("status", StatusFor(status));
        w.WriteEndObject();
        w.WriteEndObject();
    });

    public static string StatusFor(int status) => status switch
    {
        400 => "INVALID_ARGUMENT",
        401 => "UNAUTHENTICATED",
        403 => "PERMISSION_DENIED",
        404 => "NOT_FOUND",
        409 => "ABORTED",
        429 => "RESOURCE_EXHAUSTED",
        499 => "CANCELLED",
        501 => "UNIMPLEMENTED",
        503 => "UNAVAILABLE",
        504 => "DEADLINE_EXCEEDED",
        >= 500 => "INTERNAL",
        _ => "FAILED_PRECONDITION",
    };
}
