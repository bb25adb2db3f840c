using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Candor.Protocols.Canonical;

namespace Candor.Protocols.Anthropic;

/// <summary>Pieces of the Anthropic wire shared by the encoders and the decoder.</summary>
internal static class AnthropicWire
{
    /// <summary>Writer options for bodies Candor writes: no HTML escaping, so opaque strings such as
    /// thinking signatures (base64 with '+' and '/') come out byte for byte as they came in.</summary>
    public static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>A message id in Anthropic's shape: the upstream id when it already is one, else msg_ + it.</summary>
    public static string MessageId(string? upstreamId)
    {
        if (string.IsNullOrEmpty(upstreamId))
        {
            return "msg_" + Guid.NewGuid().ToString("N");
        }

        return upstreamId.StartsWith("msg_", StringComparison.Ordinal) ? upstreamId : "msg_" + upstreamId;
    }

    /// <summary>A tool-use id for calls whose upstream gave none (Gemini).</summary>
    public static string ToolUseId(string id) => string.IsNullOrEmpty(id) ? "toolu_" + Guid.NewGuid().ToString("N") : id;

    public static string StopReason(FinishReason reason, string? raw) => reason switch
    {
        FinishReason.EndTurn => "end_turn",
        FinishReason.StopSequence => "stop_sequence",
        FinishReason.MaxTokens => "max_tokens",
        FinishReason.ToolCalls => "tool_use",
        FinishReason.ContentFilter => "refusal",
        FinishReason.PauseTurn => "pause_turn",
        _ => raw is "model_context_window_exceeded" ? raw : "end_turn",
    };

    public static FinishReason FromStopReason(string? raw) => raw switch
    {
        "end_turn" => FinishReason.EndTurn,
        "stop_sequence" => FinishReason.StopSequence,
        "max_tokens" => FinishReason.MaxTokens,
        "tool_use" => FinishReason.ToolCalls,
        "refusal" => FinishReason.ContentFilter,
        "pause_turn" => FinishReason.PauseTurn,
        _ => FinishReason.Other,
    };

    /// <summary>Anthropic's input_tokens: the canonical total less cache reads and writes.</summary>
    public static int? UncachedInput(Usage? usage)
    {
        if (usage?.InputTokens is not int input)
        {
            return null;
        }

        return Math.Max(0, input - (usage.CachedInputTokens ?? 0) - (usage.CacheWriteInputTokens ?? 0));
    }

    /// <summary>Writes the usage object of a message (message_start or a whole response): input_tokens and
    /// output_tokens always (0 when unknown, as the SDK types require them), cache figures when known.</summary>
    public static void WriteMessageUsage(Usage? usage, Utf8JsonWriter writer)
    {
        writer.WriteStartObject("usage"u8);
        writer.WriteNumber("input_tokens"u8, UncachedInput(usage) ?? 0);
        WriteCacheFigures(usage, writer);
        writer.WriteNumber("output_tokens"u8, usage?.OutputTokens ?? 0);
        writer.WriteEndObject();
    }

    /// <summary>Writes the usage of message_delta: output_tokens always; input and cache figures when known
    /// (Anthropic's message_delta carries cumulative usage and the SDKs take input figures from it).</summary>
    public static void WriteDeltaUsage(Usage? usage, Utf8JsonWriter writer)
    {
        writer.WriteStartObject("usage"u8);
        if (UncachedInput(usage) is int input)
        {
            writer.WriteNumber("input_tokens"u8, input);
        }

        WriteCacheFigures(usage, writer);
        writer.WriteNumber("output_tokens"u8, usage?.OutputTokens ?? 0);
        writer.WriteEndObject();
    }

    private static void WriteCacheFigures(Usage? usage, Utf8JsonWriter writer)
    {
        if (usage?.CacheWriteInputTokens is int write)
        {
            writer.WriteNumber("cache_creation_input_tokens"u8, write);
        }

        if (usage?.CachedInputTokens is int read)
        {
            writer.WriteNumber("cache_read_input_tokens"u8, read);
        }
    }

    /// <summary>Writes tool-call arguments as a JSON object; anything that is not one becomes <c>{}</c>
    /// (Anthropic's <c>input</c> must be an object).</summary>
    public static void WriteArgumentsObject(string json, Utf8JsonWriter writer)
    {
        if (IsJsonObject(json))
        {
            writer.WriteRawValue(json, skipInputValidation: true);
        }
        else
        {
            writer.WriteStartObject();
            writer.WriteEndObject();
        }
    }

    private static bool IsJsonObject(string json)
    {
        if (string.IsNullOrWhiteSpace(json))
        {
            return false;
        }

        try
        {
            var reader = new Utf8JsonReader(Encoding.UTF8.GetBytes(json));
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return false;
            }

            reader.Skip();
            return !reader.Read();
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
