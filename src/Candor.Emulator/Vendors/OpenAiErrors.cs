using Candor.Emulator.Http;

namespace Candor.Emulator.Vendors;

/// <summary>OpenAI's error envelope: <c>{"error":{"message","type","param","code"}}</c>.</summary>
internal sealed class OpenAiErrors : IErrorDialect
{
    public static readonly OpenAiErrors Instance = new();

    public byte[] ErrorBody(int status, string message) => Body(status, message, null);

    public static byte[] Body(int status, string message, string? code)
    {
        var (type, defaultCode) = status switch
        {
            400 => ("invalid_request_error", (string?)null),
            401 => ("invalid_request_error", "invalid_api_key"),
            403 => ("invalid_request_error", "unsupported_country_region_territory"),
            404 => ("invalid_request_error", "model_not_found"),
            429 => ("requests", "rate_limit_exceeded"),
            >= 500 => ("server_error", null),
            _ => ("invalid_request_error", null),
        };
        return Json.Write(w =>
        {
            w.WriteStartObject();
            w.WriteStartObject("error");
            w.WriteString("message", message);
            w.WriteString("type", type);
            w.WriteNull("param");
            if ((code ?? defaultCode) is { } c)
            {
                w.WriteString("code", c);
            }
            else
            {
                w.WriteNull("code");
            }

            w.WriteEndObject();
            w.WriteEndObject();
        });
    }
}
