using System.Buffers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Candor.Protocols.Canonical;

namespace Candor.Protocols.Gemini;

/// <summary>Vocabulary shared by the Gemini readers and writers: field-name normalisation, finish reasons,
/// status words and id synthesis.</summary>
internal static class GeminiWire
{
    /// <summary>The Gemini finish reasons (google.ai.generativelanguage.v1beta.Candidate.FinishReason).</summary>
    private static readonly HashSet<string> FinishWords =
    [
        "STOP", "MAX_TOKENS", "SAFETY", "RECITATION", "LANGUAGE", "OTHER", "BLOCKLIST", "PROHIBITED_CONTENT", "SPII",
        "MALFORMED_FUNCTION_CALL", "IMAGE_SAFETY", "IMAGE_PROHIBITED_CONTENT", "IMAGE_OTHER", "NO_IMAGE",
        "IMAGE_RECITATION", "UNEXPECTED_TOOL_CALL", "TOO_MANY_TOOL_CALLS",
    ];

    /// <summary>The REST API accepts snake_case and lowerCamelCase field names; readers switch on the
    /// lowerCamelCase form.</summary>
    public static string Camel(string name)
    {
        if (!name.Contains('_', StringComparison.Ordinal))
        {
            return name;
        }

        var sb = new StringBuilder(name.Length);
        bool upper = false;
        foreach (char c in name)
        {
            if (c == '_')
            {
                upper = sb.Length > 0;
                continue;
            }

            sb.Append(upper ? char.ToUpperInvariant(c) : c);
            upper = false;
        }

        return sb.ToString();
    }

    /// <summary>Canonical finish reason → Gemini word. A Gemini word kept as the raw reason passes through.</summary>
    public static string ToGemini(FinishReason reason, string? raw) => reason switch
    {
        FinishReason.EndTurn or FinishReason.StopSequence or FinishReason.ToolCalls => "STOP",
        FinishReason.MaxTokens => "MAX_TOKENS",
        FinishReason.ContentFilter => raw is not null && FinishWords.Contains(raw) && raw != "STOP" ? raw : "SAFETY",
        _ => raw is not null && FinishWords.Contains(raw) ? raw : "OTHER",
    };

    /// <summary>Gemini word → canonical finish reason.</summary>
    public static FinishReason FromGemini(string word) => word switch
    {
        "STOP" => FinishReason.EndTurn,
        "MAX_TOKENS" => FinishReason.MaxTokens,
        "SAFETY" or "RECITATION" or "BLOCKLIST" or "PROHIBITED_CONTENT" or "SPII" or "IMAGE_SAFETY"
            or "IMAGE_PROHIBITED_CONTENT" or "IMAGE_RECITATION" => FinishReason.ContentFilter,
        _ => FinishReason.Other,
    };

    /// <summary>The google.rpc status word for an error.</summary>
    public static string StatusWord(RelayError error) => error.Kind switch
    {
        RelayErrorKind.InvalidRequest or RelayErrorKind.RequestTooLarge => "INVALID_ARGUMENT",
        RelayErrorKind.Authentication => "UNAUTHENTICATED",
        RelayErrorKind.PermissionDenied => "PERMISSION_DENIED",
        RelayErrorKind.NotFound => "NOT_FOUND",
        RelayErrorKind.RateLimited => "RESOURCE_EXHAUSTED",
        RelayErrorKind.Overloaded or RelayErrorKind.UpstreamUnavailable => "UNAVAILABLE",
        RelayErrorKind.UpstreamTimeout => "DEADLINE_EXCEEDED",
        _ => "INTERNAL",
    };

    /// <summary>Keeps only characters every protocol accepts in a tool-call id ([A-Za-z0-9_-]).</summary>
    public static string IdSafe(string text)
    {
        var sb = new StringBuilder(text.Length);
        foreach (char c in text)
        {
            sb.Append(char.IsAsciiLetterOrDigit(c) || c is '_' or '-' ? c : '_');
        }

        return sb.ToString();
    }

    /// <summary>Copies a JSON element into a mutable node (no reflection). The element is cloned first,
    /// as nodes read their element lazily and the source document is disposed after decoding.</summary>
    public static JsonNode? ToNode(JsonElement element)
    {
        var owned = element.Clone();
        return owned.ValueKind switch
        {
            JsonValueKind.Object => JsonObject.Create(owned),
            JsonValueKind.Array => JsonArray.Create(owned),
            _ => JsonValue.Create(owned),
        };
    }

    /// <summary>Turns a node into an immutable element (no reflection).</summary>
    public static JsonElement ToElement(JsonNode node)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            node.WriteTo(writer);
        }

        using var doc = JsonDocument.Parse(buffer.WrittenMemory);
        return doc.RootElement.Clone();
    }

    /// <summary>Writes Gemini's google.rpc error object.</summary>
    public static void WriteError(Utf8JsonWriter writer, RelayError error)
    {
        writer.WriteStartObject();
        writer.WriteStartObject("error");
        writer.WriteNumber("code", Codecs.SurfaceStatus.Of(WireProtocol.Gemini, error));
        writer.WriteString("message", error.Message);
        writer.WriteString("status", StatusWord(error));
        writer.WriteEndObject();
        writer.WriteEndObject();
    }

    /// <summary>Writes usageMetadata from canonical usage. Gemini's candidatesTokenCount excludes thoughts;
    /// canonical OutputTokens includes reasoning.</summary>
    public static void WriteUsage(Utf8JsonWriter writer, Usage usage)
    {
        writer.WriteStartObject("usageMetadata");
        if (usage.InputTokens is int input)
        {
            writer.WriteNumber("promptTokenCount", input);
        }

        int? candidates = usage.OutputTokens is int output && usage.ReasoningTokens is int reasoning
            ? Math.Max(0, output - reasoning)
            : usage.OutputTokens;
        if (candidates is int c)
        {
            writer.WriteNumber("candidatesTokenCount", c);
        }

        int? total = usage.TotalTokens ?? (usage.InputTokens + usage.OutputTokens);
        if (total is int t)
        {
            writer.WriteNumber("totalTokenCount", t);
        }

        if (usage.CachedInputTokens is int cached)
        {
            writer.WriteNumber("cachedContentTokenCount", cached);
        }

        if (usage.ReasoningTokens is int thoughts)
        {
            writer.WriteNumber("thoughtsTokenCount", thoughts);
        }

        writer.WriteEndObject();
    }
}
