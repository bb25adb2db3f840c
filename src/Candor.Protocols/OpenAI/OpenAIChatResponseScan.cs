using System.Text.Json;
using Candor.Protocols.Canonical;

namespace Candor.Protocols.OpenAI;

/// <summary>A forward-only read of a whole chat completions answer (<see cref="Utf8JsonReader"/>, no
/// <see cref="JsonDocument"/>) for its common shape: text, thinking or refusal, finish reason and usage per choice. It
/// gives the events the document reader gives, or declines — output left as it was — whenever the answer has anything
/// else the document reader interprets (tool calls, logprobs, a repeated key it reads, a choice that is not an object, no
/// choices array) or cannot be read (malformed JSON, invalid text): the caller then reads it with the document reader,
/// which keeps its behaviour for every odd answer, errors included.</summary>
internal static class OpenAIChatResponseScan
{
    /// <summary>Appends the answer's events to <paramref name="output"/> and returns true, or returns false with
    /// <paramref name="output"/> unchanged.</summary>
    public static bool TryDecode(ReadOnlySpan<byte> json, List<ChatEvent> output)
    {
        int start = output.Count;
        try
        {
            if (Scan(json, output, start))
            {
                return true;
            }
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            // Malformed JSON or invalid text: the document reader reports it as it always has.
        }

        output.RemoveRange(start, output.Count - start);
        return false;
    }

    private static bool Scan(ReadOnlySpan<byte> json, List<ChatEvent> output, int start)
    {
        // The reader's defaults are the document reader's (no comments, no trailing commas, depth 64), and like
        // JsonDocument.ParseValue it reads the one value and nothing after it.
        var reader = new Utf8JsonReader(json);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            return false;
        }

        string? id = null, model = null, fingerprint = null;
        long created = 0;
        Usage? usage = null;
        var seen = Root.None;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var key = RootKey(ref reader);
            if ((seen & key) != 0)
            {
                // A repeated key the document reader reads: it takes one of them, so let it.
                return false;
            }

            seen |= key;
            reader.Read();
            switch (key)
            {
                case Root.Id:
                    id = Str(ref reader);
                    break;
                case Root.Model:
                    model = Str(ref reader);
                    break;
                case Root.Fingerprint:
                    fingerprint = Str(ref reader);
                    break;
                case Root.Created:
                    created = reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out long c) ? c : 0;
                    break;
                case Root.Choices:
                    if (reader.TokenType != JsonTokenType.StartArray || !ScanChoices(ref reader, output))
                    {
                        return false;
                    }

                    break;
                case Root.Usage when reader.TokenType == JsonTokenType.StartObject:
                    if (!ScanUsage(ref reader, out usage))
                    {
                        return false;
                    }

                    break;
                default:
                    reader.Skip();
                    break;
            }
        }

        if (reader.TokenType != JsonTokenType.EndObject || (seen & Root.Choices) == 0)
        {
            return false;
        }

        output.Insert(start, new ResponseStarted(id ?? "", string.IsNullOrEmpty(model) ? null : model, created)
        {
            SystemFingerprint = fingerprint,
        });
        if (usage is not null)
        {
            output.Add(new UsageReported(usage));
        }

        return true;
    }

    private static bool ScanChoices(ref Utf8JsonReader reader, List<ChatEvent> output)
    {
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (reader.TokenType != JsonTokenType.StartObject || !ScanChoice(ref reader, output))
            {
                return false;
            }
        }

        return reader.TokenType == JsonTokenType.EndArray;
    }

    private static bool ScanChoice(ref Utf8JsonReader reader, List<ChatEvent> output)
    {
        int index = 0;
        string? thinking = null, reasoning = null, content = null, refusal = null, finish = null;
        var seen = Choice.None;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var key = ChoiceKey(ref reader);
            if ((seen & key) != 0)
            {
                return false;
            }

            seen |= key;
            reader.Read();
            switch (key)
            {
                case Choice.Index:
                    index = reader.TokenType == JsonTokenType.Number && reader.TryGetInt32(out int i) ? i : 0;
                    break;
                case Choice.Finish:
                    finish = FinishReasonText(ref reader);
                    break;
                case Choice.Logprobs:
                    if (reader.TokenType != JsonTokenType.Null)
                    {
                        return false;
                    }

                    break;
                case Choice.Message when reader.TokenType == JsonTokenType.StartObject:
                    var inMessage = Choice.None;
                    while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                    {
                        var field = MessageKey(ref reader);
                        if ((inMessage & field) != 0)
                        {
                            return false;
                        }

                        inMessage |= field;
                        reader.Read();
                        switch (field)
                        {
                            case Choice.ReasoningContent:
                                thinking = Str(ref reader);
                                break;
                            case Choice.Reasoning:
                                reasoning = Str(ref reader);
                                break;
                            case Choice.Content:
                                content = Str(ref reader);
                                break;
                            case Choice.Refusal:
                                refusal = Str(ref reader);
                                break;
                            case Choice.ToolCalls when reader.TokenType == JsonTokenType.StartArray:
                                return false;
                            default:
                                reader.Skip();
                                break;
                        }
                    }

                    if (reader.TokenType != JsonTokenType.EndObject)
                    {
                        return false;
                    }

                    break;
                default:
                    reader.Skip();
                    break;
            }
        }

        if (reader.TokenType != JsonTokenType.EndObject)
        {
            return false;
        }

        // The document reader's order: thinking, then text (or the refusal), then the finish.
        if ((thinking ?? reasoning) is { Length: > 0 } thought)
        {
            output.Add(new ThinkingDelta(index, thought));
        }

        if (content is { Length: > 0 })
        {
            output.Add(new TextDelta(index, content));
        }
        else if (refusal is { Length: > 0 })
        {
            output.Add(new TextDelta(index, refusal));
        }

        if (finish is { Length: > 0 })
        {
            output.Add(new ChoiceFinished(index, OpenAIWire.FromWire(finish), finish));
        }

        return true;
    }

    /// <summary>The usage object (the reader on its start), as <see cref="OpenAIWire.ReadUsage"/> reads it; false when a
    /// key it reads is repeated.</summary>
    private static bool ScanUsage(ref Utf8JsonReader reader, out Usage? usage)
    {
        usage = null;
        int? input = null, output = null, total = null, hit = null, cachedTop = null, cachedDetail = null, reasoning = null;
        var seen = UsageField.None;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var key = UsageKey(ref reader);
            if ((seen & key) != 0)
            {
                return false;
            }

            seen |= key;
            reader.Read();
            switch (key)
            {
                case UsageField.Prompt:
                    input = Int(ref reader);
                    break;
                case UsageField.Completion:
                    output = Int(ref reader);
                    break;
                case UsageField.Total:
                    total = Int(ref reader);
                    break;
                case UsageField.CacheHit:
                    hit = Int(ref reader);
                    break;
                case UsageField.Cached:
                    cachedTop = Int(ref reader);
                    break;
                case UsageField.PromptDetails when reader.TokenType == JsonTokenType.StartObject:
                    if (!DetailsField(ref reader, "cached_tokens"u8, out cachedDetail))
                    {
                        return false;
                    }

                    break;
                case UsageField.CompletionDetails when reader.TokenType == JsonTokenType.StartObject:
                    if (!DetailsField(ref reader, "reasoning_tokens"u8, out reasoning))
                    {
                        return false;
                    }

                    break;
                default:
                    reader.Skip();
                    break;
            }
        }

        usage = new Usage
        {
            InputTokens = input,
            OutputTokens = output,
            TotalTokens = total,
            CachedInputTokens = cachedDetail ?? hit ?? cachedTop,
            ReasoningTokens = reasoning,
        };
        return reader.TokenType == JsonTokenType.EndObject;
    }

    /// <summary>One integer field of a details object (the reader on its start); false when the field is repeated.</summary>
    private static bool DetailsField(ref Utf8JsonReader reader, ReadOnlySpan<byte> name, out int? value)
    {
        value = null;
        bool seen = false;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            bool match = reader.ValueTextEquals(name);
            reader.Read();
            if (!match)
            {
                reader.Skip();
                continue;
            }

            if (seen)
            {
                return false;
            }

            seen = true;
            value = Int(ref reader);
        }

        return reader.TokenType == JsonTokenType.EndObject;
    }

    /// <summary>As <see cref="OpenAIWire.Int"/>: a number that fits an int, else null.</summary>
    private static int? Int(ref Utf8JsonReader reader) =>
        reader.TokenType == JsonTokenType.Number && reader.TryGetInt32(out int i) ? i : null;

    /// <summary>As <see cref="OpenAIWire.Str"/>: a string's text, else null (a container is skipped).</summary>
    private static string? Str(ref Utf8JsonReader reader)
    {
        if (reader.TokenType == JsonTokenType.String)
        {
            return reader.GetString();
        }

        reader.Skip();
        return null;
    }

    /// <summary>The finish reason, the usual words without a new string each time.</summary>
    private static string? FinishReasonText(ref Utf8JsonReader reader)
    {
        if (reader.TokenType == JsonTokenType.String)
        {
            if (reader.ValueTextEquals("stop"u8))
            {
                return "stop";
            }

            if (reader.ValueTextEquals("length"u8))
            {
                return "length";
            }
        }

        return Str(ref reader);
    }

    private static Root RootKey(ref Utf8JsonReader reader) =>
        reader.ValueTextEquals("id"u8) ? Root.Id
        : reader.ValueTextEquals("model"u8) ? Root.Model
        : reader.ValueTextEquals("created"u8) ? Root.Created
        : reader.ValueTextEquals("choices"u8) ? Root.Choices
        : reader.ValueTextEquals("usage"u8) ? Root.Usage
        : reader.ValueTextEquals("system_fingerprint"u8) ? Root.Fingerprint
        : Root.None;

    private static Choice ChoiceKey(ref Utf8JsonReader reader) =>
        reader.ValueTextEquals("index"u8) ? Choice.Index
        : reader.ValueTextEquals("message"u8) ? Choice.Message
        : reader.ValueTextEquals("finish_reason"u8) ? Choice.Finish
        : reader.ValueTextEquals("logprobs"u8) ? Choice.Logprobs
        : Choice.None;

    private static Choice MessageKey(ref Utf8JsonReader reader) =>
        reader.ValueTextEquals("content"u8) ? Choice.Content
        : reader.ValueTextEquals("reasoning_content"u8) ? Choice.ReasoningContent
        : reader.ValueTextEquals("reasoning"u8) ? Choice.Reasoning
        : reader.ValueTextEquals("refusal"u8) ? Choice.Refusal
        : reader.ValueTextEquals("tool_calls"u8) ? Choice.ToolCalls
        : Choice.None;

    private static UsageField UsageKey(ref Utf8JsonReader reader) =>
        reader.ValueTextEquals("prompt_tokens"u8) ? UsageField.Prompt
        : reader.ValueTextEquals("completion_tokens"u8) ? UsageField.Completion
        : reader.ValueTextEquals("total_tokens"u8) ? UsageField.Total
        : reader.ValueTextEquals("prompt_tokens_details"u8) ? UsageField.PromptDetails
        : reader.ValueTextEquals("completion_tokens_details"u8) ? UsageField.CompletionDetails
        : reader.ValueTextEquals("prompt_cache_hit_tokens"u8) ? UsageField.CacheHit
        : reader.ValueTextEquals("cached_tokens"u8) ? UsageField.Cached
        : UsageField.None;

    [Flags]
    private enum Root
    {
        None = 0,
        Id = 1,
        Model = 2,
        Created = 4,
        Choices = 8,
        Usage = 16,
        Fingerprint = 32,
    }

    [Flags]
    private enum Choice
    {
        None = 0,
        Index = 1,
        Message = 2,
        Finish = 4,
        Logprobs = 8,
        Content = 16,
        ReasoningContent = 32,
        Reasoning = 64,
        Refusal = 128,
        ToolCalls = 256,
    }

    [Flags]
    private enum UsageField
    {
        None = 0,
        Prompt = 1,
        Completion = 2,
        Total = 4,
        PromptDetails = 8,
        CompletionDetails = 16,
        CacheHit = 32,
        Cached = 64,
    }
}
