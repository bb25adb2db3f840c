using System.Buffers;
using System.Text.Json;
using Candor.Protocols.Canonical;

namespace Candor.Protocols.Gemini;

/// <summary>Gemini's error envelope (google.rpc.Status as the REST API renders it) and the countTokens answer.</summary>
public static class GeminiErrors
{
    /// <summary>Writes <c>{"error":{"code":HTTP,"message":…,"status":WORD}}</c>.</summary>
    public static void Write(RelayError error, IBufferWriter<byte> output)
    {
        using var writer = new Utf8JsonWriter(output);
        GeminiWire.WriteError(writer, error);
    }

    /// <summary>The google.rpc status word Gemini uses for an error of this kind
    /// (INVALID_ARGUMENT, UNAUTHENTICATED, PERMISSION_DENIED, NOT_FOUND, RESOURCE_EXHAUSTED, INTERNAL,
    /// UNAVAILABLE, DEADLINE_EXCEEDED).</summary>
    public static string Status(RelayError error) => GeminiWire.StatusWord(error);

    /// <summary>Writes the countTokens answer <c>{"totalTokens":N}</c>.</summary>
    public static void WriteCountTokens(int totalTokens, IBufferWriter<byte> output)
    {
        using var writer = new Utf8JsonWriter(output);
        writer.WriteStartObject();
        writer.WriteNumber("totalTokens", totalTokens);
        writer.WriteEndObject();
    }
}
