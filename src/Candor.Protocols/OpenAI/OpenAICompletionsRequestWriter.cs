using System.Buffers;
using System.Text.Json;
using Candor.Protocols.Canonical;

namespace Candor.Protocols.OpenAI;

/// <summary>Writes a legacy completions body for an upstream that serves <c>/completions</c> itself when the client's bytes
/// cannot go as they are (the redaction stage changed a text): the client's body field by field, in its order and shape,
/// with <c>model</c> the upstream model and the texts the redaction stage scans — <c>prompt</c> (a string, or an array of
/// strings), <c>stop</c>, <c>user</c>, <c>suffix</c> — taken from the redacted canonical request
/// (<see cref="OpenAICompletionsRequestDecoder.TryDecodeDeferring"/> made one user message per prompt). Every other field
/// is copied as the client sent it.</summary>
public static class OpenAICompletionsRequestWriter
{
    /// <summary>Writes the body; <paramref name="clientBody"/> is the client's (it decoded, so it is one JSON object).</summary>
    public static void Write(ReadOnlySpan<byte> clientBody, string upstreamModel, ChatRequest redacted, IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(redacted);
        var reader = new Utf8JsonReader(clientBody, new JsonReaderOptions { MaxDepth = 64 });
        using var doc = JsonDocument.ParseValue(ref reader);
        using var w = new Utf8JsonWriter(output, OpenAIWire.WriterOptions);
        w.WriteStartObject();
        foreach (var prop in doc.RootElement.EnumerateObject())
        {
            var v = prop.Value;
            switch (prop.Name)
            {
                case "model":
                    w.WriteString("model"u8, upstreamModel);
                    break;
                case "prompt" when v.ValueKind == JsonValueKind.String:
                    w.WriteString("prompt"u8, Text(redacted.Messages[0]));
                    break;
                case "prompt":
                    w.WriteStartArray("prompt"u8);
                    foreach (var message in redacted.Messages)
                    {
                        w.WriteStringValue(Text(message));
                    }

                    w.WriteEndArray();
                    break;
                case "stop" when v.ValueKind == JsonValueKind.String && redacted.Stop.Count == 1:
                    w.WriteString("stop"u8, redacted.Stop[0]);
                    break;
                case "stop" when v.ValueKind == JsonValueKind.Array:
                    w.WriteStartArray("stop"u8);
                    foreach (string stop in redacted.Stop)
                    {
                        w.WriteStringValue(stop);
                    }

                    w.WriteEndArray();
                    break;
                case "user" when v.ValueKind == JsonValueKind.String && redacted.User is { } user:
                    w.WriteString("user"u8, user);
                    break;
                case "suffix" when v.ValueKind == JsonValueKind.String && Suffix(redacted) is { } suffix:
                    w.WritePropertyName("suffix"u8);
                    suffix.WriteTo(w);
                    break;
                default:
                    prop.WriteTo(w);
                    break;
            }
        }

        w.WriteEndObject();
        w.Flush();
    }

    private static System.Text.Json.Nodes.JsonNode? Suffix(ChatRequest request) =>
        request.Unmapped is { } unmapped && unmapped.TryGetPropertyValue("suffix", out var suffix) ? suffix : null;

    private static string Text(ChatMessage message) => message.Parts.Count == 1 && message.Parts[0] is TextPart only
        ? only.Text
        : string.Concat(message.Parts.OfType<TextPart>().Select(static p => p.Text));
}
