using System.Buffers;
using System.Text.Json;
using Candor.Protocols.Canonical;

namespace Candor.Protocols.Anthropic;

/// <summary>Anthropic's error envelope <c>{"type":"error","error":{"type":…,"message":…}}</c> and the
/// count-tokens answer, as the Anthropic surface writes them to clients.</summary>
public static class AnthropicErrors
{
    /// <summary>Writes the error envelope for <paramref name="error"/>.</summary>
    public static void Write(RelayError error, IBufferWriter<byte> output)
    {
        using var writer = new Utf8JsonWriter(output, AnthropicWire.WriterOptions);
        WriteEnvelope(error, writer);
    }

    /// <summary>Writes <c>{"input_tokens":N}</c>, the body of a count-tokens answer.</summary>
    public static void WriteCountTokens(int inputTokens, IBufferWriter<byte> output)
    {
        using var writer = new Utf8JsonWriter(output, AnthropicWire.WriterOptions);
        writer.WriteStartObject();
        writer.WriteNumber("input_tokens"u8, inputTokens);
        writer.WriteEndObject();
    }

    /// <summary>Anthropic's error type word for a canonical error kind.</summary>
    public static string TypeOf(RelayError error) => error.Kind switch
    {
        RelayErrorKind.InvalidRequest => "invalid_request_error",
        RelayErrorKind.Authentication => "authentication_error",
        RelayErrorKind.PermissionDenied => "permission_error",
        RelayErrorKind.NotFound => "not_found_error",
        RelayErrorKind.RequestTooLarge => "request_too_large",
        RelayErrorKind.RateLimited => "rate_limit_error",
        RelayErrorKind.Overloaded => "overloaded_error",
        _ => "api_error",
    };

    internal static void WriteEnvelope(RelayError error, Utf8JsonWriter writer)
    {
        writer.WriteStartObject();
        writer.WriteString("type"u8, "error"u8);
        writer.WritePropertyName("error"u8);
        writer.WriteStartObject();
        writer.WriteString("type"u8, TypeOf(error));
        writer.WriteString("message"u8, error.Message);
        writer.WriteEndObject();
        writer.WriteEndObject();
    }

    /// <summary>The HTTP status Anthropic uses for an error type word (for classifying upstream errors
    /// that arrive inside a stream, where there is no status).</summary>
    internal static int StatusOf(string? type) => type switch
    {
        "invalid_request_error" => 400,
        "authentication_error" => 401,
        "billing_error" => 402,
        "permission_error" => 403,
        "not_found_error" => 404,
        "request_too_large" => 413,
        "rate_limit_error" => 429,
        "timeout_error" => 504,
        "overloaded_error" => 529,
        _ => 500,
    };
}
