using System.Text.Encodings.Web;
using System.Text.Json;
using Candor.Protocols.Canonical;

namespace Candor.Protocols.OpenAI;

/// <summary>Vocabulary shared by the OpenAI-wire readers and writers: finish reasons, usage objects and
/// writer options.</summary>
internal static class OpenAIWire
{
    /// <summary>Compact output with non-ASCII text left unescaped, as OpenAI writes it. Newlines inside
    /// strings are always escaped, so one JSON value never spans SSE lines.</summary>
    public static readonly JsonWriterOptions WriterOptions = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>Writes <c>"tool_calls":[…]</c> for the tool-call parts of a message (assistant history in a
    /// request, the message of a response).</summary>
    public static void WriteToolCalls(Utf8JsonWriter w, List<ContentPart> parts)
    {
        w.WriteStartArray("tool_calls");
        foreach (var part in parts)
        {
            if (part is ToolCallPart call)
            {
                w.WriteStartObject();
                w.WriteString("id", call.Id);
                w.WriteString("type", "function");
                w.WriteStartObject("function");
                w.WriteString("name", call.Name);
                w.WriteString("arguments", call.ArgumentsJson);
                w.WriteEndObject();
                w.WriteEndObject();
            }
        }

        w.WriteEndArray();
    }

    public static string ToWire(FinishReason reason, string? raw) => reason switch
    {
        FinishReason.EndTurn or FinishReason.StopSequence or FinishReason.PauseTurn => "stop",
        FinishReason.MaxTokens => "length",
        FinishReason.ToolCalls => "tool_calls",
        FinishReason.ContentFilter => "content_filter",
        _ => raw is "stop" or "length" or "tool_calls" or "content_filter" or "function_call" ? raw : "stop",
    };

    public static FinishReason FromWire(string raw) => raw switch
    {
        "stop" => FinishReason.EndTurn,
        "length" or "model_length" => FinishReason.MaxTokens,
        "tool_calls" or "function_call" => FinishReason.ToolCalls,
        "content_filter" or "sensitive" => FinishReason.ContentFilter,
        _ => FinishReason.Other,
    };

    /// <summary>A streamed choice's finish: OpenAI answers "stop", not "tool_calls", when a named function was forced; a
    /// choice that called tools still ended to call them, which other wires must say (Anthropic tool_use).</summary>
    public static FinishReason FromWire(string raw, bool calledTools) =>
        FromWire(raw) is var reason && reason == FinishReason.EndTurn && calledTools ? FinishReason.ToolCalls : reason;

    /// <summary>Reads an OpenAI usage object, including the variants of compatible vendors (DeepSeek's
    /// prompt_cache_hit_tokens, Moonshot's top-level cached_tokens).</summary>
    public static Usage? ReadUsage(JsonElement u)
    {
        if (u.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        int? cached = null;
        int? reasoning = null;
        if (u.TryGetProperty("prompt_tokens_details", out var pd) && pd.ValueKind == JsonValueKind.Object)
        {
            cached = Int(pd, "cached_tokens");
        }

        cached ??= Int(u, "prompt_cache_hit_tokens") ?? Int(u, "cached_tokens");
        if (u.TryGetProperty("completion_tokens_details", out var cd) && cd.ValueKind == JsonValueKind.Object)
        {
            reasoning = Int(cd, "reasoning_tokens");
        }

        return new Usage
        {
            InputTokens = Int(u, "prompt_tokens"),
            OutputTokens = Int(u, "completion_tokens"),
            TotalTokens = Int(u, "total_tokens"),
            CachedInputTokens = cached,
            ReasoningTokens = reasoning,
        };
    }

    /// <summary>Writes <c>"usage":{…}</c> with the figures present; total is computed when absent and both parts are known.</summary>
    public static void WriteUsage(Utf8JsonWriter w, Usage usage)
    {
        w.WriteStartObject("usage");
        if (usage.InputTokens is { } input)
        {
            w.WriteNumber("prompt_tokens", input);
        }

        if (usage.OutputTokens is { } output)
        {
            w.WriteNumber("completion_tokens", output);
        }

        int? total = usage.TotalTokens ?? (usage.InputTokens + usage.OutputTokens);
        if (total is { } t)
        {
            w.WriteNumber("total_tokens", t);
        }

        if (usage.CachedInputTokens is { } cached)
        {
            w.WriteStartObject("prompt_tokens_details");
            w.WriteNumber("cached_tokens", cached);
            w.WriteEndObject();
        }

        if (usage.ReasoningTokens is { } reasoning)
        {
            w.WriteStartObject("completion_tokens_details");
            w.WriteNumber("reasoning_tokens", reasoning);
            w.WriteEndObject();
        }

        w.WriteEndObject();
    }

    public static int? Int(JsonElement obj, string name) =>
        obj.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out int i) ? i : null;

    public static string? Str(JsonElement obj, string name) =>
        obj.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
}
