using System.Text.Json;
using Candor.Protocols.Canonical;
using Candor.Protocols.Codecs;
using Candor.Protocols.Sse;

namespace Candor.Protocols.OpenAI;

/// <summary>Decodes answers in the OpenAI chat completions wire (OpenAI and compatible vendors) into
/// canonical events. Handles the compatible vendors' variants: <c>reasoning_content</c> (DeepSeek, Qwen,
/// Zhipu, Moonshot) or <c>reasoning</c> (vLLM, Ollama) for thinking text, usage inside
/// <c>choices[0].usage</c> (Moonshot), and error objects sent as stream chunks. Built for legacy completions, it reads
/// the <c>text_completion</c> answers of the same family too (a choice's <c>text</c>, in whole answers and chunks).</summary>
public sealed class OpenAIChatUpstreamDecoder : IChatUpstreamDecoder
{
    private readonly bool _legacyCompletions;

    // Tool-call bookkeeping, created with the first tool call: most answers have none, and a stream keeps its decoder for
    // as long as it is open.
    private Dictionary<(int Choice, int WireIndex), int>? _toolIndexes;
    private Dictionary<int, int>? _toolCounts;
    private Dictionary<(int Choice, int ToolIndex), string>? _toolIds;
    private bool _started;

    /// <summary>A decoder of chat completions answers.</summary>
    public OpenAIChatUpstreamDecoder()
    {
    }

    /// <param name="legacyCompletions">True for answers of <c>POST /completions</c>: a choice's <c>text</c> is its output.</param>
    public OpenAIChatUpstreamDecoder(bool legacyCompletions) => _legacyCompletions = legacyCompletions;

    /// <inheritdoc/>
    public bool DecodeStreamEvent(in SseEvent ev, List<ChatEvent> output) => DecodeStreamEvent(ev, output, scan: !_legacyCompletions);

    /// <summary>A stream event read through a <see cref="JsonDocument"/> only: every chunk shape the decoder knows, and the
    /// errors of malformed ones. Internal for the tests that hold the forward read to the same events, and the benchmarks.</summary>
    internal bool DecodeStreamEventDocument(in SseEvent ev, List<ChatEvent> output) => DecodeStreamEvent(ev, output, scan: false);

    private bool DecodeStreamEvent(in SseEvent ev, List<ChatEvent> output, bool scan)
    {
        try
        {
            return DecodeStreamEventCore(ev, output, scan);
        }
        catch (InvalidOperationException e)
        {
            throw UpstreamText.Invalid(e);
        }
    }

    private bool DecodeStreamEventCore(in SseEvent ev, List<ChatEvent> output, bool scan)
    {
        if (ev.IsDone)
        {
            return false;
        }

        var span = ev.Data.Span.Trim(" \t\r\n"u8);
        if (span.IsEmpty)
        {
            return true;
        }

        // The common chunk (role or content delta, finish, usage, no choice) is read forward without building a document;
        // anything else — tool calls, logprobs, errors, legacy completions, odd or malformed chunks — goes through the
        // document reader below.
        if (scan && OpenAIChatResponseScan.TryDecodeChunk(ev.Data.Span, ref _started, _toolCounts, output))
        {
            return true;
        }

        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(ev.Data);
        }
        catch (JsonException) when (string.Equals(ev.EventType, "error", StringComparison.Ordinal))
        {
            // Some servers send "event: error" with a plain-text payload.
            output.Add(new StreamFailed(ErrorFromChunk(default)));
            return false;
        }

        using var _ = doc;
        var root = doc.RootElement;
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new JsonException("A stream chunk is not a JSON object.");
        }

        if (root.TryGetProperty("error", out var error) && error.ValueKind != JsonValueKind.Null)
        {
            output.Add(new StreamFailed(ErrorFromChunk(error)));
            return false;
        }

        bool hasChoices = root.TryGetProperty("choices", out var choices) && choices.ValueKind == JsonValueKind.Array;
        if (!_started && (!hasChoices || choices.GetArrayLength() == 0) && string.IsNullOrEmpty(OpenAIWire.Str(root, "id"))
            && !(root.TryGetProperty("usage", out var early) && early.ValueKind == JsonValueKind.Object))
        {
            // Azure opens a stream with a chunk holding only prompt_filter_results (empty id, model and
            // choices); the response starts with the first real chunk.
            return true;
        }

        Start(root, output);
        if (hasChoices)
        {
            foreach (var choice in choices.EnumerateArray())
            {
                int index = OpenAIWire.Int(choice, "index") ?? 0;
                if (choice.TryGetProperty("delta", out var delta) && delta.ValueKind == JsonValueKind.Object)
                {
                    ReadDelta(index, delta, output);
                }

                ReadCompletionText(index, choice, output);

                ReadLogprobs(index, choice, output);
                ReadFinish(index, choice, _toolCounts is { } counts && counts.GetValueOrDefault(index) > 0, output);

                // Moonshot puts the stream's usage inside the choice of the last chunk.
                if (choice.TryGetProperty("usage", out var choiceUsage) && OpenAIWire.ReadUsage(choiceUsage) is { } cu)
                {
                    output.Add(new UsageReported(cu));
                }
            }
        }

        if (root.TryGetProperty("usage", out var usage) && OpenAIWire.ReadUsage(usage) is { } u)
        {
            output.Add(new UsageReported(u));
        }

        return true;
    }

    /// <inheritdoc/>
    public void DecodeResponse(ReadOnlySpan<byte> json, List<ChatEvent> output)
    {
        try
        {
            DecodeResponseCore(json, output);
        }
        catch (InvalidOperationException e)
        {
            throw UpstreamText.Invalid(e);
        }
    }

    private void DecodeResponseCore(ReadOnlySpan<byte> json, List<ChatEvent> output)
    {
        // The common answer (text, finish, usage) is read forward without building a document; anything else — tool calls,
        // logprobs, legacy completions, odd or malformed answers — goes through the document reader below.
        if (!_started && !_legacyCompletions && OpenAIChatResponseScan.TryDecode(json, output))
        {
            _started = true;
            return;
        }

        DecodeResponseDocument(json, output);
    }

    /// <summary>The whole answer read through a <see cref="JsonDocument"/>: every shape the decoder knows, and the errors of
    /// malformed ones. Internal for the tests that hold the forward read to the same events.</summary>
    internal void DecodeResponseDocument(ReadOnlySpan<byte> json, List<ChatEvent> output)
    {
        var reader = new Utf8JsonReader(json);
        using var doc = JsonDocument.ParseValue(ref reader);
        var root = doc.RootElement;
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new JsonException("The response is not a JSON object.");
        }

        if (!root.TryGetProperty("choices", out var choices) || choices.ValueKind != JsonValueKind.Array)
        {
            throw new JsonException("The response has no choices array.");
        }

        Start(root, output);
        foreach (var choice in choices.EnumerateArray())
        {
            int index = OpenAIWire.Int(choice, "index") ?? 0;
            bool calledTools = false;
            if (choice.TryGetProperty("message", out var message) && message.ValueKind == JsonValueKind.Object)
            {
                if ((OpenAIWire.Str(message, "reasoning_content") ?? OpenAIWire.Str(message, "reasoning")) is { Length: > 0 } thinking)
                {
                    output.Add(new ThinkingDelta(index, thinking));
                }

                if (OpenAIWire.Str(message, "content") is { Length: > 0 } text)
                {
                    output.Add(new TextDelta(index, text));
                }
                else if (OpenAIWire.Str(message, "refusal") is { Length: > 0 } refusal)
                {
                    output.Add(new TextDelta(index, refusal));
                }

                if (message.TryGetProperty("tool_calls", out var calls) && calls.ValueKind == JsonValueKind.Array)
                {
                    int i = 0;
                    foreach (var call in calls.EnumerateArray())
                    {
                        var fn = call.TryGetProperty("function", out var f) ? f : default;
                        string id = OpenAIWire.Str(call, "id") ?? $"call_{index}_{i}";
                        string name = fn.ValueKind == JsonValueKind.Object ? OpenAIWire.Str(fn, "name") ?? "" : "";
                        string args = fn.ValueKind == JsonValueKind.Object ? ArgumentsText(fn) : "";
                        output.Add(new ToolCallStarted(index, i, id, name));
                        if (args.Length > 0)
                        {
                            output.Add(new ToolCallArgumentsDelta(index, i, args));
                        }

                        i++;
                    }

                    calledTools = i > 0;
                }
            }

            ReadCompletionText(index, choice, output);
            ReadLogprobs(index, choice, output);
            ReadFinish(index, choice, calledTools, output);
        }

        if (root.TryGetProperty("usage", out var usage) && OpenAIWire.ReadUsage(usage) is { } u)
        {
            output.Add(new UsageReported(u));
        }
    }

    private void Start(JsonElement root, List<ChatEvent> output)
    {
        if (_started)
        {
            return;
        }

        _started = true;
        long created = root.TryGetProperty("created", out var c) && c.ValueKind == JsonValueKind.Number && c.TryGetInt64(out long cr) ? cr : 0;
        string? model = OpenAIWire.Str(root, "model");
        output.Add(new ResponseStarted(OpenAIWire.Str(root, "id") ?? "", string.IsNullOrEmpty(model) ? null : model, created)
        {
            SystemFingerprint = OpenAIWire.Str(root, "system_fingerprint"),
        });
    }

    private void ReadDelta(int choice, JsonElement delta, List<ChatEvent> output)
    {
        if ((OpenAIWire.Str(delta, "reasoning_content") ?? OpenAIWire.Str(delta, "reasoning")) is { Length: > 0 } thinking)
        {
            output.Add(new ThinkingDelta(choice, thinking));
        }

        if (OpenAIWire.Str(delta, "content") is { Length: > 0 } text)
        {
            output.Add(new TextDelta(choice, text));
        }

        if (OpenAIWire.Str(delta, "refusal") is { Length: > 0 } refusal)
        {
            output.Add(new TextDelta(choice, refusal));
        }

        if (delta.TryGetProperty("tool_calls", out var calls) && calls.ValueKind == JsonValueKind.Array)
        {
            foreach (var call in calls.EnumerateArray())
            {
                ReadToolFragment(choice, call, output);
            }
        }
    }

    private void ReadToolFragment(int choice, JsonElement call, List<ChatEvent> output)
    {
        string? id = OpenAIWire.Str(call, "id");
        var fn = call.TryGetProperty("function", out var f) && f.ValueKind == JsonValueKind.Object ? f : default;
        string? name = fn.ValueKind == JsonValueKind.Object ? OpenAIWire.Str(fn, "name") : null;
        string args = fn.ValueKind == JsonValueKind.Object ? ArgumentsText(fn) : "";
        int? wireIndex = OpenAIWire.Int(call, "index");
        int count = _toolCounts?.GetValueOrDefault(choice) ?? 0;

        int toolIndex;
        if (wireIndex is { } wi && _toolIndexes is { } indexes && indexes.TryGetValue((choice, wi), out int known)
            && (string.IsNullOrEmpty(id) || string.Equals(id, _toolIds![(choice, known)], StringComparison.Ordinal)))
        {
            // A continuation of a call already started (vendors may repeat the id on every fragment).
            toolIndex = known;
        }
        else if (wireIndex is null && string.IsNullOrEmpty(id) && name is null && count > 0)
        {
            // No index and nothing that starts a call: a fragment of the latest call.
            toolIndex = count - 1;
        }
        else
        {
            // A new call: a new index, a new id under a reused index, or an index-less whole call.
            toolIndex = count;
            (_toolCounts ??= [])[choice] = count + 1;
            if (wireIndex is { } w)
            {
                (_toolIndexes ??= [])[(choice, w)] = toolIndex;
            }

            string callId = string.IsNullOrEmpty(id) ? $"call_{choice}_{toolIndex}" : id;
            (_toolIds ??= [])[(choice, toolIndex)] = callId;
            output.Add(new ToolCallStarted(choice, toolIndex, callId, name ?? ""));
        }

        if (args.Length > 0)
        {
            output.Add(new ToolCallArgumentsDelta(choice, toolIndex, args));
        }
    }

    private static string ArgumentsText(JsonElement fn)
    {
        if (!fn.TryGetProperty("arguments", out var a))
        {
            return "";
        }

        // Some compatible servers send the arguments as an object rather than a JSON string.
        return a.ValueKind switch
        {
            JsonValueKind.String => a.GetString()!,
            JsonValueKind.Object or JsonValueKind.Array => a.GetRawText(),
            _ => "",
        };
    }

    /// <summary>A legacy completions choice's text (chunks and whole answers alike).</summary>
    private void ReadCompletionText(int choice, JsonElement c, List<ChatEvent> output)
    {
        if (_legacyCompletions && OpenAIWire.Str(c, "text") is { Length: > 0 } text)
        {
            output.Add(new TextDelta(choice, text));
        }
    }

    private static void ReadLogprobs(int choice, JsonElement c, List<ChatEvent> output)
    {
        if (c.TryGetProperty("logprobs", out var lp) && lp.ValueKind == JsonValueKind.Object
            && lp.TryGetProperty("content", out var content) && content.ValueKind == JsonValueKind.Array && content.GetArrayLength() > 0)
        {
            output.Add(new LogprobsDelta(choice, content.Clone()));
        }
    }

    /// <summary>A choice's finish, a forced tool call's "stop" read as the tool call it was
    /// (<see cref="OpenAIWire.FromWire(string, bool)"/>).</summary>
    private static void ReadFinish(int choice, JsonElement c, bool calledTools, List<ChatEvent> output)
    {
        if (OpenAIWire.Str(c, "finish_reason") is { Length: > 0 } raw)
        {
            output.Add(new ChoiceFinished(choice, OpenAIWire.FromWire(raw, calledTools), raw));
        }
    }

    private static RelayError ErrorFromChunk(JsonElement error)
    {
        // The upstream's message is not copied: it may echo the request. Type and code are vendor words
        // used for classification; a code is passed on only when it looks like an identifier.
        string? type = error.ValueKind == JsonValueKind.Object ? OpenAIWire.Str(error, "type") : null;
        string? code = null;
        if (error.ValueKind == JsonValueKind.Object && error.TryGetProperty("code", out var c))
        {
            code = c.ValueKind switch
            {
                JsonValueKind.String => c.GetString(),
                JsonValueKind.Number => c.GetRawText(),
                _ => null,
            };
        }

        string word = (type ?? code ?? "").ToLowerInvariant();
        var (kind, status) = word switch
        {
            _ when word.Contains("rate_limit", StringComparison.Ordinal) => (RelayErrorKind.RateLimited, 429),
            _ when word.Contains("overloaded", StringComparison.Ordinal) => (RelayErrorKind.Overloaded, 503),
            _ when word.Contains("invalid_request", StringComparison.Ordinal) => (RelayErrorKind.InvalidRequest, 400),
            _ => (RelayErrorKind.UpstreamError, 502),
        };
        return new RelayError(RelayStage.Upstream, kind, status, "The upstream provider reported an error during the stream.")
        {
            Code = code is { Length: <= 64 } && IsIdentifier(code) ? code : null,
        };
    }

    private static bool IsIdentifier(string s)
    {
        foreach (char ch in s)
        {
            if (!char.IsAsciiLetterOrDigit(ch) && ch is not '_' and not '-' and not '.')
            {
                return false;
            }
        }

        return true;
    }
}
