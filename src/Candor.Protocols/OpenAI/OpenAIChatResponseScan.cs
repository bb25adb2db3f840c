using System.Runtime.CompilerServices;
using System.Text.Json;
using Candor.Protocols.Canonical;

namespace Candor.Protocols.OpenAI;

/// <summary>A forward-only read of chat completions answers (<see cref="Utf8JsonReader"/>, no <see cref="JsonDocument"/>)
/// for their common shapes: a whole answer's text, thinking or refusal, finish reason and usage per choice, and a stream
/// chunk's role or content delta, finish reason and usage (the choice's too), an empty choices array included. It gives the
/// events the document reader gives, or declines — output left as it was — whenever the JSON has anything else the
/// document reader interprets (tool calls, logprobs, an error, a repeated key it reads, a choice that is not an object, a
/// whole answer without a choices array) or cannot be read (malformed JSON, invalid text, bytes after the value): the
/// caller then reads it with the document reader, which keeps its behaviour for every odd answer, errors included.</summary>
internal static class OpenAIChatResponseScan
{
    /// <summary>Appends a whole answer's events to <paramref name="output"/> and returns true, or returns false with
    /// <paramref name="output"/> unchanged.</summary>
    public static bool TryDecode(ReadOnlySpan<byte> json, List<ChatEvent> output)
    {
        bool started = false;
        return TryScan(json, output, ref started, toolCounts: null, chunk: false);
    }

    /// <summary>Appends one stream chunk's events to <paramref name="output"/> and returns true, or returns false with
    /// <paramref name="output"/> and <paramref name="started"/> unchanged.</summary>
    /// <param name="json">The data of one SSE event.</param>
    /// <param name="started">Whether an earlier chunk started the response (gave its <see cref="ResponseStarted"/>); set
    /// when this one does. Once it is set, the chunk's id, model and fingerprint are not read, as the document reader does
    /// not read them.</param>
    /// <param name="toolCounts">The decoder's tool calls per choice so far: a choice that called tools finishes with
    /// <see cref="FinishReason.ToolCalls"/> even when the wire says "stop".</param>
    /// <param name="output">Where the chunk's events go.</param>
    public static bool TryDecodeChunk(ReadOnlySpan<byte> json, ref bool started, Dictionary<int, int>? toolCounts, List<ChatEvent> output) =>
        TryScan(json, output, ref started, toolCounts, chunk: true);

    private static bool TryScan(ReadOnlySpan<byte> json, List<ChatEvent> output, ref bool started, Dictionary<int, int>? toolCounts, bool chunk)
    {
        int start = output.Count;
        bool starts = started;
        try
        {
            if (Scan(json, output, start, ref starts, toolCounts, chunk))
            {
                started = starts;
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

    private static bool Scan(ReadOnlySpan<byte> json, List<ChatEvent> output, int start, ref bool started, Dictionary<int, int>? toolCounts, bool chunk)
    {
        // The reader's defaults are the document reader's (no comments, no trailing commas, depth 64).
        var reader = new Utf8JsonReader(json);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            return false;
        }

        var texts = new Texts();
        long created = 0;
        Usage? usage = null;
        int choices = 0;
        int seen = 0;
        bool head = !started;
        while (NextMember(ref reader, chunk ? ChunkRootNames : RootNames, ref seen) is var key && key >= 0)
        {
            bool read = (Root)key switch
            {
                Root.None => Skipped(ref reader),
                Root.Created => Created(ref reader, out created),

                // A whole answer without a choices array is an error; a chunk's is read as no choice.
                Root.Choices => reader.TokenType == JsonTokenType.StartArray ? ScanChoices(ref reader, output, toolCounts, chunk, out choices) : chunk && Skipped(ref reader),
                Root.Usage => reader.TokenType != JsonTokenType.StartObject ? Skipped(ref reader) : ScanUsage(ref reader, out usage),

                // A chunk's error (anything but null) ends the stream: the document reader's.
                Root.Error => reader.TokenType == JsonTokenType.Null,
                _ => head ? Text(ref reader, texts, key) : Skipped(ref reader),
            };
            if (!read)
            {
                return false;
            }
        }

        // A whole answer is read as JsonDocument.ParseValue reads it: the one value, nothing after it. A chunk is read as
        // JsonDocument.Parse reads it: the one value, then only white space.
        if (reader.TokenType != JsonTokenType.EndObject || (chunk ? reader.Read() : (seen & (int)Root.Choices) == 0))
        {
            return false;
        }

        if (head)
        {
            string? id = texts[Bit((int)Root.Id)];
            if (chunk && choices == 0 && string.IsNullOrEmpty(id) && usage is null)
            {
                // Azure opens a stream with a chunk holding only prompt_filter_results (empty id, model and choices); the
                // response starts with the first real chunk.
                return true;
            }

            started = true;
            string? model = texts[Bit((int)Root.Model)];
            output.Insert(start, new ResponseStarted(id ?? "", string.IsNullOrEmpty(model) ? null : model, created)
            {
                SystemFingerprint = texts[Bit((int)Root.Fingerprint)],
            });
        }

        if (usage is not null)
        {
            output.Add(new UsageReported(usage));
        }

        return true;
    }

    /// <summary>The choices array (the reader on its start), each choice's events in turn; <paramref name="count"/> is how
    /// many there were.</summary>
    private static bool ScanChoices(ref Utf8JsonReader reader, List<ChatEvent> output, Dictionary<int, int>? toolCounts, bool chunk, out int count)
    {
        count = 0;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (reader.TokenType != JsonTokenType.StartObject || !ScanChoice(ref reader, output, toolCounts, chunk))
            {
                return false;
            }

            count++;
        }

        return reader.TokenType == JsonTokenType.EndArray;
    }

    /// <summary>One choice (the reader on its start): a whole answer's <c>message</c> or a chunk's <c>delta</c>, its finish,
    /// and a chunk choice's own usage (Moonshot's last chunk).</summary>
    private static bool ScanChoice(ref Utf8JsonReader reader, List<ChatEvent> output, Dictionary<int, int>? toolCounts, bool chunk)
    {
        int index = 0;
        string? finish = null;
        Usage? usage = null;
        var texts = new Texts();
        int seen = 0;
        while (NextMember(ref reader, chunk ? ChunkChoiceNames : ChoiceNames, ref seen) is var key && key >= 0)
        {
            bool read = (Choice)key switch
            {
                Choice.Index => Index(ref reader, out index),
                Choice.Finish => FinishReasonText(ref reader, out finish),
                Choice.Logprobs => reader.TokenType == JsonTokenType.Null,
                Choice.Message when reader.TokenType == JsonTokenType.StartObject => ScanMessage(ref reader, texts),
                Choice.Usage when reader.TokenType == JsonTokenType.StartObject => ScanUsage(ref reader, out usage),
                _ => Skipped(ref reader),
            };
            if (!read)
            {
                return false;
            }
        }

        if (reader.TokenType != JsonTokenType.EndObject)
        {
            return false;
        }

        // The document reader's order: thinking, then text, then the refusal (a whole answer's only without text), then the
        // finish, then a chunk choice's usage.
        if ((texts[Bit((int)Message.ReasoningContent)] ?? texts[Bit((int)Message.Reasoning)]) is { Length: > 0 } thought)
        {
            output.Add(new ThinkingDelta(index, thought));
        }

        string? content = texts[Bit((int)Message.Content)];
        if (content is { Length: > 0 })
        {
            output.Add(new TextDelta(index, content));
        }

        if ((chunk || content is not { Length: > 0 }) && texts[Bit((int)Message.Refusal)] is { Length: > 0 } refusal)
        {
            output.Add(new TextDelta(index, refusal));
        }

        if (finish is { Length: > 0 })
        {
            // A stream's choice that called tools in earlier chunks ended to call them, whatever the wire says.
            bool calledTools = toolCounts is { } counts && counts.GetValueOrDefault(index) > 0;
            output.Add(new ChoiceFinished(index, OpenAIWire.FromWire(finish, calledTools), finish));
        }

        if (usage is not null)
        {
            output.Add(new UsageReported(usage));
        }

        return true;
    }

    /// <summary>A choice's message or a chunk's delta (the reader on its start): its texts by <see cref="Message"/> flag;
    /// false for tool calls (an array) or a repeated key.</summary>
    private static bool ScanMessage(ref Utf8JsonReader reader, scoped Span<string?> texts)
    {
        int seen = 0;
        while (NextMember(ref reader, MessageNames, ref seen) is var key && key >= 0)
        {
            bool read = (Message)key switch
            {
                Message.None => Skipped(ref reader),
                Message.ToolCalls => reader.TokenType != JsonTokenType.StartArray && Skipped(ref reader),
                _ => Text(ref reader, texts, key),
            };
            if (!read)
            {
                return false;
            }
        }

        return reader.TokenType == JsonTokenType.EndObject;
    }

    /// <summary>The usage object (the reader on its start), as <see cref="OpenAIWire.ReadUsage"/> reads it; false when a
    /// key it reads is repeated.</summary>
    private static bool ScanUsage(ref Utf8JsonReader reader, out Usage? usage)
    {
        usage = null;

        // The top-level figures, indexed by their flag's bit; the details objects' one figure each beside them.
        Span<int?> figures = stackalloc int?[TopFigures];
        int? cachedDetail = null, reasoning = null;
        int seen = 0;
        while (NextMember(ref reader, UsageNames, ref seen) is var key && key >= 0)
        {
            bool read = (UsageField)key switch
            {
                UsageField.None => Skipped(ref reader),
                UsageField.PromptDetails => reader.TokenType != JsonTokenType.StartObject
                    ? Skipped(ref reader) : DetailsField(ref reader, CachedNames, out cachedDetail),
                UsageField.CompletionDetails => reader.TokenType != JsonTokenType.StartObject
                    ? Skipped(ref reader) : DetailsField(ref reader, ReasoningNames, out reasoning),
                _ => Figure(ref reader, figures, key),
            };
            if (!read)
            {
                return false;
            }
        }

        usage = new Usage
        {
            InputTokens = figures[Bit((int)UsageField.Prompt)],
            OutputTokens = figures[Bit((int)UsageField.Completion)],
            TotalTokens = figures[Bit((int)UsageField.Total)],
            CachedInputTokens = cachedDetail ?? figures[Bit((int)UsageField.CacheHit)] ?? figures[Bit((int)UsageField.Cached)],
            ReasoningTokens = reasoning,
        };
        return reader.TokenType == JsonTokenType.EndObject;
    }

    /// <summary>How many top-level usage figures there are (the flags below <see cref="UsageField.PromptDetails"/>).</summary>
    private const int TopFigures = 5;

    /// <summary>The index of a member's flag (its one bit) in a table of what was read.</summary>
    private static int Bit(int flag) => System.Numerics.BitOperations.Log2((uint)flag);

    private static bool Figure(ref Utf8JsonReader reader, scoped Span<int?> figures, int flag)
    {
        figures[Bit(flag)] = Int(ref reader);
        return true;
    }

    private static bool Skipped(ref Utf8JsonReader reader)
    {
        reader.Skip();
        return true;
    }

    /// <summary>The one figure read from a details object (the reader on its start), named by <paramref name="name"/>;
    /// false when it is repeated.</summary>
    private static bool DetailsField(ref Utf8JsonReader reader, byte[][] name, out int? value)
    {
        value = null;
        int seen = 0;
        while (NextMember(ref reader, name, ref seen) is var key && key >= 0)
        {
            if (key == 0)
            {
                reader.Skip();
            }
            else
            {
                value = Int(ref reader);
            }
        }

        return reader.TokenType == JsonTokenType.EndObject;
    }

    /// <summary>Moves to the value of an object's next member and returns the member's flag (<see cref="KeyOf"/>; 0 for a
    /// name not read), noted in <paramref name="seen"/>. -1 at the object's end, and for a name read before: the reader then
    /// stays on the name, so the caller's end-of-object check fails (the document reader takes one of two repeated
    /// members, so the scan declines).</summary>
    private static int NextMember(ref Utf8JsonReader reader, byte[][] names, ref int seen)
    {
        if (!reader.Read() || reader.TokenType != JsonTokenType.PropertyName)
        {
            return -1;
        }

        int key = KeyOf(ref reader, names);
        if ((seen & key) != 0)
        {
            return -1;
        }

        seen |= key;
        reader.Read();
        return key;
    }

    /// <summary>As <see cref="OpenAIWire.Int"/>: a number that fits an int, else null (a container is skipped).</summary>
    private static int? Int(ref Utf8JsonReader reader)
    {
        if (reader.TokenType == JsonTokenType.Number && reader.TryGetInt32(out int i))
        {
            return i;
        }

        reader.Skip();
        return null;
    }

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
    private static bool FinishReasonText(ref Utf8JsonReader reader, out string? finish)
    {
        finish = reader.TokenType != JsonTokenType.String ? Str(ref reader)
            : reader.ValueTextEquals("stop"u8) ? "stop"
            : reader.ValueTextEquals("length"u8) ? "length"
            : reader.GetString();
        return true;
    }

    /// <summary>A text member (<see cref="Str"/>) into its place in <paramref name="texts"/>.</summary>
    private static bool Text(ref Utf8JsonReader reader, scoped Span<string?> texts, int flag)
    {
        texts[Bit(flag)] = Str(ref reader);
        return true;
    }

    /// <summary>The creation time as the document reader reads it: a number that fits a long, else 0 (a container is skipped).</summary>
    private static bool Created(ref Utf8JsonReader reader, out long created)
    {
        created = reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out long c) ? c : 0;
        reader.Skip();
        return true;
    }

    /// <summary>A choice's index: a number that fits an int, else 0.</summary>
    private static bool Index(ref Utf8JsonReader reader, out int index)
    {
        index = Int(ref reader) ?? 0;
        return true;
    }

    /// <summary>The flag of the member name the reader is on: bit i for <c>names[i]</c> (escaped names compare unescaped, as
    /// the document reader's lookups do), 0 for a name the scan does not read.</summary>
    private static int KeyOf(ref Utf8JsonReader reader, byte[][] names)
    {
        for (int i = 0; i < names.Length; i++)
        {
            if (reader.ValueTextEquals(names[i]))
            {
                return 1 << i;
            }
        }

        return 0;
    }

    // The names each object's scan reads, in the order of its flags' bits.
    private static readonly byte[][] RootNames = [[.. "id"u8], [.. "model"u8], [.. "system_fingerprint"u8], [.. "created"u8], [.. "choices"u8], [.. "usage"u8]];
    private static readonly byte[][] ChunkRootNames = [.. RootNames, [.. "error"u8]];
    private static readonly byte[][] ChoiceNames = [[.. "index"u8], [.. "message"u8], [.. "finish_reason"u8], [.. "logprobs"u8]];
    private static readonly byte[][] ChunkChoiceNames = [[.. "index"u8], [.. "delta"u8], [.. "finish_reason"u8], [.. "logprobs"u8], [.. "usage"u8]];
    private static readonly byte[][] MessageNames = [[.. "reasoning_content"u8], [.. "reasoning"u8], [.. "content"u8], [.. "refusal"u8], [.. "tool_calls"u8]];
    private static readonly byte[][] UsageNames =
    [
        [.. "prompt_tokens"u8], [.. "completion_tokens"u8], [.. "total_tokens"u8], [.. "prompt_cache_hit_tokens"u8], [.. "cached_tokens"u8],
        [.. "prompt_tokens_details"u8], [.. "completion_tokens_details"u8],
    ];

    private static readonly byte[][] CachedNames = [[.. "cached_tokens"u8]];
    private static readonly byte[][] ReasoningNames = [[.. "reasoning_tokens"u8]];

    /// <summary>The texts read from one object, by their member's flag bit (the text members' flags come first).</summary>
    [InlineArray(4)]
    private struct Texts
    {
        private string? _first;
    }

    [Flags]
    private enum Root
    {
        None = 0,
        Id = 1,
        Model = 2,
        Fingerprint = 4,
        Created = 8,
        Choices = 16,
        Usage = 32,
        Error = 64,
    }

    /// <summary>A choice's members; <see cref="Message"/> is a chunk's <c>delta</c>, and only a chunk's choice has its
    /// <see cref="Usage"/>.</summary>
    [Flags]
    private enum Choice
    {
        None = 0,
        Index = 1,
        Message = 2,
        Finish = 4,
        Logprobs = 8,
        Usage = 16,
    }

    [Flags]
    private enum Message
    {
        None = 0,
        ReasoningContent = 1,
        Reasoning = 2,
        Content = 4,
        Refusal = 8,
        ToolCalls = 16,
    }

    [Flags]
    private enum UsageField
    {
        None = 0,
        Prompt = 1,
        Completion = 2,
        Total = 4,
        CacheHit = 8,
        Cached = 16,
        PromptDetails = 32,
        CompletionDetails = 64,
    }
}
