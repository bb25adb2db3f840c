using System.Globalization;
using Candor.Emulator.Http;

namespace Candor.Emulator.Vendors;

/// <summary>
/// Azure OpenAI's error envelope: gateway errors (auth, routing, throttling) are <c>{"error":{"code","message"}}</c>;
/// request validation errors come from the model service in OpenAI's shape.
/// </summary>
internal sealed class AzureErrors : IErrorDialect
{
    public static readonly AzureErrors Instance = new();

    public byte[] ErrorBody(int status, string message) =>
        status == 400 ? OpenAiErrors.Body(status, message, null) : Body(status.ToString(CultureInfo.InvariantCulture), message);

    public static byte[] Body(string code, string message) => Json.Write(w =>
    {
        w.WriteStartObject();
        w.WriteStartObject("error");
        w.WriteString("code", code);
        w.WriteString("message", message);
        w.WriteEndObject();
        w.WriteEndObject();
    });
}
