using System.Text.Json;
using Candor.Protocols.Canonical;
using Candor.Protocols.Codecs;
using Candor.Protocols.Sse;

namespace Candor.Protocols.Gemini;

/// <summary>Turns Gemini GenerateContentResponse objects into canonical events. A stream is a sequence of
/// <c>data:</c> events each holding one whole GenerateContentResponse, ended by the upstream closing the
/// connection (no end marker). Gemini never streams partial function-call arguments: a functionCall part
/// becomes ToolCallStarted and one ToolCallArgumentsDelta holding the whole args object. A thoughtSignature
/// on a non-thought part becomes a ThinkingDelta with empty text and the signature, emitted before that
/// part, which the Gemini client encoder re-attaches to the next part.
/// Usage: InputTokens = promptTokenCount + toolUsePromptTokenCount (both are billed as input);
/// OutputTokens = candidatesTokenCount + thoughtsTokenCount (Gemini counts thoughts apart); absent figures
/// stay null. Inline image output and code-execution parts have no canonical event and are skipped.</summary>
public sealed class GeminiUpstreamDecoder : IChatUpstreamDecoder
{
    private readonly TimeProvider _time;
    private readonly Dictionary<int, ChoiceState> _choices = [];
    private bool _started;
    private string _idBase = "";
    private int _callOrdinal;

    /// <param name="time">The clock for ResponseStarted's creation time (Gemini sends none).</param>
    public GeminiUpstreamDecoder(TimeProvider? time = null)
    {
        _time = time ?? TimeProvider.System;
    }

    /// <inheritdoc />
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
        using var doc = JsonDocument.Parse(ev.Data);
        return DecodeChunk(doc.RootElement, output);
    }

    /// <inheritdoc />
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
        var reader = new Utf8JsonReader(json);
        using var doc = JsonDocument.ParseValue(ref reader);
        var root = doc.RootElement;
        if (root.ValueKind == JsonValueKind.Array)
        {
            // streamGenerateContent without alt=sse answers with a JSON array of responses.
            foreach (var item in root.EnumerateArray())
            {
                if (!DecodeChunk(item, output))
                {
                    break;
                }
            }
        }
        else
        {
            DecodeChunk(root, output);
        }
    }

    private bool DecodeChunk(JsonElement root, List<ChatEvent> output)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new JsonException("A Gemini response must be a JSON object.");
        }

        if (root.TryGetProperty("error", out var error) && error.ValueKind == JsonValueKind.Object)
        {
            output.Add(new StreamFailed(ReadError(error)));
            return false;
        }

        if (!_started)
        {
            _started = true;
            string? id = root.TryGetProperty("responseId", out var rid) && rid.ValueKind == JsonValueKind.String ? rid.GetString() : null;
            string? model = root.TryGetProperty("modelVersion", out var mv) && mv.ValueKind == JsonValueKind.String ? mv.GetString() : null;
            id ??= "gemini-" + Guid.NewGuid().ToString("N");
            _idBase = GeminiWire.IdSafe(id);
            output.Add(new ResponseStarted(id, model, _time.GetUtcNow().ToUnixTimeSeconds()));
        }

        bool anyCandidate = false;
        if (root.TryGetProperty("candidates", out var candidates) && candidates.ValueKind == JsonValueKind.Array)
        {
            foreach (var candidate in candidates.EnumerateArray())
            {
                anyCandidate = true;
                DecodeCandidate(candidate, output);
            }
        }

        if (!anyCandidate && root.TryGetProperty("promptFeedback", out var feedback) && feedback.ValueKind == JsonValueKind.Object
            && feedback.TryGetProperty("blockReason", out var block) && block.ValueKind == JsonValueKind.String)
        {
            var state = Choice(0);
            if (!state.Finished)
            {
                state.Finished = true;
                output.Add(new ChoiceFinished(0, FinishReason.ContentFilter, block.GetString()));
            }
        }

        if (root.TryGetProperty("usageMetadata", out var usage) && usage.ValueKind == JsonValueKind.Object)
        {
            output.Add(new UsageReported(ReadUsage(usage)));
        }

        return true;
    }

    private void DecodeCandidate(JsonElement candidate, List<ChatEvent> output)
    {
        // proto3 JSON omits zero, so an absent index is candidate 0.
        int index = candidate.TryGetProperty("index", out var ix) && ix.ValueKind == JsonValueKind.Number ? ix.GetInt32() : 0;
        var state = Choice(index);
        if (candidate.TryGetProperty("content", out var content) && content.ValueKind == JsonValueKind.Object
            && content.TryGetProperty("parts", out var parts) && parts.ValueKind == JsonValueKind.Array)
        {
            foreach (var part in parts.EnumerateArray())
            {
                DecodePart(index, state, part, output);
            }
        }

        if (candidate.TryGetProperty("finishReason", out var reason) && reason.ValueKind == JsonValueKind.String)
        {
            string word = reason.GetString()!;
            if (word != "FINISH_REASON_UNSPECIFIED" && !state.Finished)
            {
                var mapped = GeminiWire.FromGemini(word);
                if (mapped == FinishReason.EndTurn && state.ToolCount > 0)
                {
                    mapped = FinishReason.ToolCalls;
                }

                state.Finished = true;
                output.Add(new ChoiceFinished(index, mapped, word));
            }
        }
    }

    private void DecodePart(int index, ChoiceState state, JsonElement part, List<ChatEvent> output)
    {
        if (part.ValueKind != JsonValueKind.Object)
        {
            return;
        }

        bool thought = part.TryGetProperty("thought", out var th) && th.ValueKind == JsonValueKind.True;
        string? signature = part.TryGetProperty("thoughtSignature", out var sig) && sig.ValueKind == JsonValueKind.String ? sig.GetString() : null;
        string? text = part.TryGetProperty("text", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null;
        if (thought)
        {
            output.Add(new ThinkingDelta(index, text ?? "", signature));
            return;
        }

        if (signature is not null)
        {
            output.Add(new ThinkingDelta(index, "", signature) { StartsPart = true });
        }

        if (text is not null)
        {
            if (text.Length > 0)
            {
                output.Add(new TextDelta(index, text));
            }

            return;
        }

        if (part.TryGetProperty("functionCall", out var call) && call.ValueKind == JsonValueKind.Object)
        {
            string name = call.TryGetProperty("name", out var n) && n.ValueKind == JsonValueKind.String
                ? n.GetString()!
                : throw new JsonException("A Gemini functionCall has no name.");
            string id = call.TryGetProperty("id", out var cid) && cid.ValueKind == JsonValueKind.String
                ? cid.GetString()!
                : $"call_{_idBase}_{_callOrdinal}";
            _callOrdinal++;
            string args = call.TryGetProperty("args", out var a) && a.ValueKind == JsonValueKind.Object ? a.GetRawText() : "{}";
            int toolIndex = state.ToolCount++;
            output.Add(new ToolCallStarted(index, toolIndex, id, name));
            output.Add(new ToolCallArgumentsDelta(index, toolIndex, args));
        }
    }

    /// <summary>Reads Gemini usageMetadata into canonical usage (see the class remarks).</summary>
    internal static Usage ReadUsage(JsonElement usage)
    {
        int? prompt = Int(usage, "promptTokenCount");
        int? toolPrompt = Int(usage, "toolUsePromptTokenCount");
        int? candidates = Int(usage, "candidatesTokenCount");
        int? thoughts = Int(usage, "thoughtsTokenCount");
        return new Usage
        {
            InputTokens = prompt is null && toolPrompt is null ? null : (prompt ?? 0) + (toolPrompt ?? 0),
            OutputTokens = candidates is null && thoughts is null ? null : (candidates ?? 0) + (thoughts ?? 0),
            CachedInputTokens = Int(usage, "cachedContentTokenCount"),
            ReasoningTokens = thoughts,
            TotalTokens = Int(usage, "totalTokenCount"),
        };
    }

    private static int? Int(JsonElement obj, string name) =>
        obj.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out int i) ? i : null;

    /// <summary>Maps a Gemini error object to a client-safe error; the upstream message is not copied.</summary>
    internal static RelayError ReadError(JsonElement error)
    {
        int code = error.TryGetProperty("code", out var c) && c.ValueKind == JsonValueKind.Number && c.TryGetInt32(out int v) ? v : 500;
        string? status = error.TryGetProperty("status", out var s) && s.ValueKind == JsonValueKind.String ? s.GetString() : null;
        return UpstreamErrors.FromStatus(code, status, null);
    }

    private ChoiceState Choice(int index)
    {
        if (!_choices.TryGetValue(index, out var state))
        {
            state = new ChoiceState();
            _choices[index] = state;
        }

        return state;
    }

    private sealed class ChoiceState
    {
        public int ToolCount { get; set; }

        public bool Finished { get; set; }
    }
}
