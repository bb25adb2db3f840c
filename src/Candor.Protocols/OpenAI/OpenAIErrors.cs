using System.Buffers;
using System.Text.Json;
using Candor.Protocols.Canonical;

namespace Candor.Protocols.OpenAI;

/// <summary>Writes Candor's errors in OpenAI's envelope: <c>{"error":{"message","type","param","code"}}</c>.
/// The four fields are always present (null when unknown), as OpenAI writes them.</summary>
public static class OpenAIErrors
{
    /// <summary>Writes the error envelope as one JSON object.</summary>
    public static void Write(RelayError error, IBufferWriter<byte> output)
    {
        using var w = new Utf8JsonWriter(output, OpenAIWire.WriterOptions);
        WriteEnvelope(error, w);
    }

    /// <summary>OpenAI's <c>type</c> word for a kind. OpenAI answers a bad key and an unknown model with
    /// invalid_request_error (told apart by <c>code</c>), so Candor does too; upstream failures of every
    /// sort are server_error, as OpenAI's own 5xx answers are.</summary>
    public static string TypeOf(RelayErrorKind kind) => kind switch
    {
        RelayErrorKind.InvalidRequest or RelayErrorKind.RequestTooLarge or RelayErrorKind.NotFound => "invalid_request_error",
        RelayErrorKind.Authentication => "invalid_request_error",
        RelayErrorKind.PermissionDenied => "permission_error",
        RelayErrorKind.RateLimited => "rate_limit_error",
        _ => "server_error",
    };

    internal static void WriteEnvelope(RelayError error, Utf8JsonWriter w)
    {
        w.WriteStartObject();
        w.WriteStartObject("error");
        w.WriteString("message", error.Message);
        w.WriteString("type", TypeOf(error.Kind));
        WriteNullable(w, "param", error.Param);
        WriteNullable(w, "code", error.Code ?? DefaultCode(error.Kind));
        w.WriteEndObject();
        w.WriteEndObject();
        w.Flush();
    }

    private static string? DefaultCode(RelayErrorKind kind) => kind switch
    {
        RelayErrorKind.Authentication => "invalid_api_key",
        RelayErrorKind.RateLimited => "rate_limit_exceeded",
        _ => null,
    };

    private static void WriteNullable(Utf8JsonWriter w, string name, string? value)
    {
        if (value is null)
        {
            w.WriteNull(name);
        }
        else
        {
            w.WriteString(name, value);
        }
    }
}
