using System.Text.Json;
using Candor.Protocols.Canonical;
using Candor.Protocols.Codecs;
using Candor.Protocols.Sse;

namespace Candor.Protocols.OpenAI;

/// <summary>Decodes an upstream's answer in OpenAI's Responses API (the same-wire path of the Responses surface) into
/// canonical events, for metering, receipts and the stream's end: <c>response.created</c> starts the answer; text,
/// reasoning summary or reasoning text deltas, and function calls (opened by <c>response.output_item.added</c>, their
/// arguments by <c>response.function_call_arguments.delta</c>) are content; <c>response.completed</c> or
/// <c>response.incomplete</c> carry the usage and end the stream, <c>response.failed</c> and <c>error</c> end it as a
/// failure. Other events (part and item boundaries, <c>…done</c> repeats of whole texts) carry nothing new. One choice
/// (index 0): the Responses API has no <c>n</c>.</summary>
public sealed class ResponsesUpstreamDecoder : IChatUpstreamDecoder
{
    private readonly Dictionary<string, int> _tools = new(StringComparer.Ordinal);
    private bool _started;

    /// <inheritdoc/>
    public bool DecodeStreamEvent(in SseEvent ev, List<ChatEvent> output)
    {
        try
        {
            return DecodeStreamEventCore(ev, output);
        }
        catch (InvalidOperationException e)
        {
            throw UpstreamText.Invalid(e);
        }
    }

    private bool DecodeStreamEventCore(in SseEvent ev, List<ChatEvent> output)
    {
        if (ev.IsDone)
        {
            return false;
        }

        if (ev.Data.Span.Trim(" \t\r\n"u8).IsEmpty)
        {
            return true;
        }

        using var doc = JsonDocument.Parse(ev.Data);
        var root = doc.RootElement;
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new JsonException("A Responses event is not a JSON object.");
        }

        string? type = Str(root, "type") ?? ev.EventType;
        switch (type)
        {
            case "response.created":
            case "response.in_progress":
                Start(Property(root, "response"), output);
                return true;
            case "response.output_text.delta":
                Start(default, output);
                output.Add(new TextDelta(0, Str(root, "delta") ?? ""));
                return true;
            case "response.reasoning_summary_text.delta":
            case "response.reasoning_text.delta":
                Start(default, output);
                output.Add(new ThinkingDelta(0, Str(root, "delta") ?? ""));
                return true;
            case "response.output_item.added":
                Start(default, output);
                var item = Property(root, "item");
                if (Str(item, "type") == "function_call")
                {
                    int index = _tools.Count;
                    _tools[Str(item, "id") ?? index.ToString(System.Globalization.CultureInfo.InvariantCulture)] = index;
                    output.Add(new ToolCallStarted(0, index, Str(item, "call_id") ?? "", Str(item, "name") ?? ""));
                }

                return true;
            case "response.function_call_arguments.delta":
                if (Str(root, "item_id") is { } id && _tools.TryGetValue(id, out int tool))
                {
                    output.Add(new ToolCallArgumentsDelta(0, tool, Str(root, "delta") ?? ""));
                }

                return true;
            case "response.completed":
            case "response.incomplete":
                var response = Property(root, "response");
                Start(response, output);
                Finish(response, output);
                return false;
            case "response.failed":
                output.Add(new StreamFailed(Failure(Property(Property(root, "response"), "error"))));
                return false;
            case "error":
                output.Add(new StreamFailed(Failure(root)));
                return false;
            default:
                return true;
        }
    }

    /// <inheritdoc/>
    public void DecodeResponse(ReadOnlySpan<byte> json, List<ChatEvent> output)
    {
        try
        {
            var reader = new Utf8JsonReader(json);
            using var doc = JsonDocument.ParseValue(ref reader);
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new JsonException("A Responses answer is not a JSON object.");
            }

            Start(root, output);
            foreach (var item in Items(Property(root, "output")))
            {
                switch (Str(item, "type"))
                {
                    case "message":
                        foreach (var part in Items(Property(item, "content")))
                        {
                            if (Str(part, "type") == "output_text" && Str(part, "text") is { } text)
                            {
                                output.Add(new TextDelta(0, text));
                            }
                        }

                        break;
                    case "reasoning":
                        foreach (var part in Items(Property(item, "summary")))
                        {
                            if (Str(part, "text") is { } text)
                            {
                                output.Add(new ThinkingDelta(0, text));
                            }
                        }

                        break;
                    case "function_call":
                        int index = _tools.Count;
                        _tools[index.ToString(System.Globalization.CultureInfo.InvariantCulture)] = index;
                        output.Add(new ToolCallStarted(0, index, Str(item, "call_id") ?? "", Str(item, "name") ?? ""));
                        output.Add(new ToolCallArgumentsDelta(0, index, Str(item, "arguments") ?? ""));
                        break;
                }
            }

            Finish(root, output);
        }
        catch (InvalidOperationException e)
        {
            throw UpstreamText.Invalid(e);
        }
    }

    private void Start(JsonElement response, List<ChatEvent> output)
    {
        if (_started)
        {
            return;
        }

        _started = true;
        output.Add(new ResponseStarted(Str(response, "id") ?? "", Str(response, "model"),
            response.ValueKind == JsonValueKind.Object && response.TryGetProperty("created_at", out var created) && created.TryGetInt64(out long at) ? at : 0));
    }

    private void Finish(JsonElement response, List<ChatEvent> output)
    {
        if (ReadUsage(Property(response, "usage")) is { } usage)
        {
            output.Add(new UsageReported(usage));
        }

        string? reason = Str(Property(response, "incomplete_details"), "reason");
        var finish = Str(response, "status") == "incomplete"
            ? reason == "content_filter" ? FinishReason.ContentFilter : FinishReason.MaxTokens
            : _tools.Count > 0 ? FinishReason.ToolCalls : FinishReason.EndTurn;
        output.Add(new ChoiceFinished(0, finish, reason ?? Str(response, "status")));
    }

    /// <summary>The Responses usage object: <c>input_tokens</c> (cached ones in <c>input_tokens_details</c>),
    /// <c>output_tokens</c> (reasoning ones in <c>output_tokens_details</c>), <c>total_tokens</c>.</summary>
    public static Usage? ReadUsage(JsonElement u)
    {
        if (u.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        return new Usage
        {
            InputTokens = Int(u, "input_tokens"),
            OutputTokens = Int(u, "output_tokens"),
            TotalTokens = Int(u, "total_tokens"),
            CachedInputTokens = Int(Property(u, "input_tokens_details"), "cached_tokens"),
            ReasoningTokens = Int(Property(u, "output_tokens_details"), "reasoning_tokens"),
        };
    }

    /// <summary>An upstream failure inside the stream. The upstream's message is not copied (it may echo the request);
    /// its code is passed on only when it is an identifier.</summary>
    private static RelayError Failure(JsonElement error)
    {
        string? code = Str(error, "code");
        string word = (code ?? Str(error, "type") ?? "").ToLowerInvariant();
        var (kind, status) = word switch
        {
            _ when word.Contains("rate_limit", StringComparison.Ordinal) => (RelayErrorKind.RateLimited, 429),
            _ when word.Contains("overloaded", StringComparison.Ordinal) || word.Contains("server_is_overloaded", StringComparison.Ordinal) => (RelayErrorKind.Overloaded, 503),
            _ when word.Contains("invalid", StringComparison.Ordinal) => (RelayErrorKind.InvalidRequest, 400),
            _ => (RelayErrorKind.UpstreamError, 502),
        };
        return new RelayError(RelayStage.Upstream, kind, status, "The upstream provider reported an error during the stream.")
        {
            Code = code is { Length: <= 64 } && code.All(static c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.') ? code : null,
        };
    }

    private static string? Str(JsonElement obj, string name) =>
        Property(obj, name) is { ValueKind: JsonValueKind.String } v ? v.GetString() : null;

    private static int? Int(JsonElement obj, string name) =>
        Property(obj, name) is { ValueKind: JsonValueKind.Number } v && v.TryGetInt32(out int i) ? i : null;

    private static JsonElement Property(JsonElement obj, string name) =>
        obj.ValueKind == JsonValueKind.Object && obj.TryGetProperty(name, out var v) ? v : default;

    private static JsonElement.ArrayEnumerator Items(JsonElement array) =>
        array.ValueKind == JsonValueKind.Array ? array.EnumerateArray() : default;
}
