using Candor.Emulator.Http;

namespace Candor.Emulator.Vendors;

/// <summary>Anthropic's error envelope: <c>{"type":"error","error":{"type","message"}}</c>.</summary>
internal sealed class AnthropicErrors : IErrorDialect
{
    public static readonly AnthropicErrors Instance = new();

    public byte[] ErrorBody(int status, string message) => Json.Write(w =>
    {
        w.WriteStartObject();
        w.WriteString("type", "error");
        w.WriteStartObject("error");
        w.WriteString("type", TypeFor(status));
        w.WriteString("message", message);
        w.WriteEndObject();
        w.WriteEndObject();
    });

    public static string TypeFor(int status) => status switch
    {
        400 => "invalid_request_error",
        401 => "authentication_error",
        403 => "permission_error",
        404 => "not_found_error",
        413 => "request_too_large",
        429 => "rate_limit_error",
        503 or 529 => "overloaded_error",
        >= 500 => "api_error",
        _ => "invalid_request_error",
    };
}
