using System.Buffers;
using System.Text;
using System.Text.Json;
using Candor.Protocols.Canonical;
using Candor.Protocols.Codecs;
using Candor.Protocols.Sse;

namespace Candor.Protocols.Gemini;

/// <summary>Writes canonical events as Gemini's answer to a Gemini client. Streamed (<c>alt=sse</c>): each
/// event is <c>data: {GenerateContentResponse}</c> with no event name and no end marker. Text and thinking
/// deltas are written as they come; a tool call is written as one functionCall part once it is complete
/// (Gemini never streams partial arguments), so only that call's arguments are buffered. Each chunk carries
/// the usage known so far; the final chunk, written by <see cref="WriteStreamEnd"/>, carries each choice's
/// finishReason and the final usage. A signature that arrives as an empty ThinkingDelta is attached to the
/// choice's next part as thoughtSignature. Logprobs are not written (Gemini's logprobsResult has another
/// shape).</summary>
public sealed class GeminiClientEncoder : IChatClientEncoder
{
    private readonly ChatRequest _request;
    private readonly ArrayBufferWriter<byte> _scratch = new(1024);
    private readonly SortedDictionary<int, ChoiceState> _choices = [];
    private readonly List<PendingPart> _parts = [];
    private string? _id;
    private string? _model;
    private Usage? _usage;

    /// <param name="request">The client's request (its model names the answer when the upstream does not).</param>
    public GeminiClientEncoder(ChatRequest request)
    {
        _request = request;
    }

    /// <inheritdoc />
    public void WriteStreamEvent(ChatEvent ev, IBufferWriter<byte> output)
    {
        switch (ev)
        {
            case ResponseStarted s:
                _id = s.Id;
                _model = s.Model;
                break;
            case TextDelta t when t.Text.Length > 0:
            {
                var state = Choice(t.Choice);
                _parts.Clear();
                FlushTool(state);
                _parts.Add(new PendingPart(t.Text, false, TakeSignature(state)));
                WriteChunk(output, t.Choice, state, finish: false);
                break;
            }

            case ThinkingDelta th:
            {
                var state = Choice(th.Choice);
                if (th.Text.Length == 0)
                {
                    if (th.Signature is not null)
                    {
                        state.Signature = (state.Signature ?? "") + th.Signature;
                    }

                    break;
                }

                _parts.Clear();
                FlushTool(state);
                _parts.Add(new PendingPart(th.Text, true, th.Signature));
                WriteChunk(output, th.Choice, state, finish: false);
                break;
            }

            case ToolCallStarted tc:
            {
                var state = Choice(tc.Choice);
                if (state.Tool is not null && state.ToolIndex != tc.ToolIndex)
                {
                    _parts.Clear();
                    FlushTool(state);
                    WriteChunk(output, tc.Choice, state, finish: false);
                }

                state.Tool = (tc.Id, tc.Name);
                state.ToolIndex = tc.ToolIndex;
                state.Args.Clear();
                break;
            }

            case ToolCallArgumentsDelta ta:
            {
                var state = Choice(ta.Choice);
                if (state.Tool is not null && state.ToolIndex == ta.ToolIndex)
                {
                    state.Args.Append(ta.Fragment);
                }

                break;
            }

            case ChoiceFinished f:
            {
                var state = Choice(f.Choice);
                state.Finish = GeminiWire.ToGemini(f.Reason, f.RawReason);
                break;
            }

            case UsageReported u:
                _usage = Usage.Merge(_usage, u.Usage);
                break;
            case StreamFailed failed:
                WriteStreamError(failed.Error, output);
                break;
        }
    }

    /// <inheritdoc />
    public void WriteStreamEnd(IBufferWriter<byte> output)
    {
        var pending = _choices.Where(static c => c.Value.Tool is not null || c.Value.Finish is not null || c.Value.Signature is not null).ToList();
        if (pending.Count == 0)
        {
            if (_usage is not null)
            {
                WriteEvent(output, null);
            }

            return;
        }

        WriteEvent(output, (self, w) =>
        {
            foreach (var (index, state) in pending)
            {
                self._parts.Clear();
                self.FlushTool(state);
                if (state.Signature is not null)
                {
                    self._parts.Add(new PendingPart("", false, self.TakeSignature(state)));
                }

                self.WriteCandidate(w, index, state.Finish);
                state.Finish = null;
            }
        });
    }

    /// <inheritdoc />
    public void WriteStreamError(RelayError error, IBufferWriter<byte> output)
    {
        _scratch.Clear();
        using (var writer = new Utf8JsonWriter(_scratch))
        {
            GeminiWire.WriteError(writer, error);
        }

        SseWriter.WriteEvent(output, ReadOnlySpan<byte>.Empty, _scratch.WrittenSpan);
    }

    /// <inheritdoc />
    public void WriteResponse(ChatResponse response, IBufferWriter<byte> output)
    {
        using var writer = new Utf8JsonWriter(output);
        writer.WriteStartObject();
        writer.WriteStartArray("candidates");
        foreach (var choice in response.Choices)
        {
            _parts.Clear();
            string? signature = null;
            foreach (var part in choice.Parts)
            {
                switch (part)
                {
                    case TextPart t:
                        _parts.Add(new PendingPart(t.Text, false, Take(ref signature)));
                        break;
                    case ThinkingPart { Text.Length: 0 } th:
                        signature = th.Signature ?? signature;
                        break;
                    case ThinkingPart th:
                        _parts.Add(new PendingPart(th.Text, true, th.Signature));
                        break;
                    case ToolCallPart call:
                        _parts.Add(new PendingPart(call.Id, call.Name, call.ArgumentsJson, Take(ref signature)));
                        break;
                }
            }

            if (signature is not null)
            {
                _parts.Add(new PendingPart("", false, signature));
            }

            WriteCandidate(writer, choice.Index, choice.FinishReason is { } reason ? GeminiWire.ToGemini(reason, choice.RawFinishReason) : null);
        }

        writer.WriteEndArray();
        if (response.Usage is not null)
        {
            GeminiWire.WriteUsage(writer, response.Usage);
        }

        writer.WriteString("modelVersion", response.Model ?? _request.Model);
        if (!string.IsNullOrEmpty(response.Id))
        {
            writer.WriteString("responseId", response.Id);
        }

        writer.WriteEndObject();
    }

    private static string? Take(ref string? signature)
    {
        var s = signature;
        signature = null;
        return s;
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

    private string? TakeSignature(ChoiceState state)
    {
        var s = state.Signature;
        state.Signature = null;
        return s;
    }

    /// <summary>Moves the choice's buffered tool call, if any, into the parts to write.</summary>
    private void FlushTool(ChoiceState state)
    {
        if (state.Tool is { } tool)
        {
            _parts.Add(new PendingPart(tool.Id, tool.Name, state.Args.ToString(), TakeSignature(state)));
            state.Tool = null;
            state.Args.Clear();
        }
    }

    private void WriteChunk(IBufferWriter<byte> output, int index, ChoiceState state, bool finish)
    {
        if (_parts.Count == 0 && !finish)
        {
            return;
        }

        WriteEvent(output, (self, w) => self.WriteCandidate(w, index, finish ? state.Finish : null));
    }

    private void WriteEvent(IBufferWriter<byte> output, Action<GeminiClientEncoder, Utf8JsonWriter>? candidates)
    {
        _scratch.Clear();
        using (var writer = new Utf8JsonWriter(_scratch))
        {
            writer.WriteStartObject();
            if (candidates is not null)
            {
                writer.WriteStartArray("candidates");
                candidates(this, writer);
                writer.WriteEndArray();
            }

            if (_usage is not null)
            {
                GeminiWire.WriteUsage(writer, _usage);
            }

            writer.WriteString("modelVersion", _model ?? _request.Model);
            if (_id is not null)
            {
                writer.WriteString("responseId", _id);
            }

            writer.WriteEndObject();
        }

        SseWriter.WriteEvent(output, ReadOnlySpan<byte>.Empty, _scratch.WrittenSpan);
    }

    private void WriteCandidate(Utf8JsonWriter writer, int index, string? finish)
    {
        writer.WriteStartObject();
        writer.WriteStartObject("content");
        writer.WriteStartArray("parts");
        if (_parts.Count == 0)
        {
            // Clients read candidates[0].content.parts[0].text; a closing chunk keeps that path valid.
            writer.WriteStartObject();
            writer.WriteString("text", "");
            writer.WriteEndObject();
        }

        foreach (var part in _parts)
        {
            writer.WriteStartObject();
            if (part.Name is not null)
            {
                writer.WriteStartObject("functionCall");
                writer.WriteString("id", part.Id);
                writer.WriteString("name", part.Name);
                writer.WritePropertyName("args");
                WriteArgs(writer, part.Text);
                writer.WriteEndObject();
            }
            else
            {
                writer.WriteString("text", part.Text);
                if (part.Thought)
                {
                    writer.WriteBoolean("thought", true);
                }
            }

            if (part.Signature is not null)
            {
                writer.WriteString("thoughtSignature", part.Signature);
            }

            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteString("role", "model");
        writer.WriteEndObject();
        if (finish is not null)
        {
            writer.WriteString("finishReason", finish);
        }

        writer.WriteNumber("index", index);
        writer.WriteEndObject();
    }

    /// <summary>Gemini's args is a JSON object; arguments that are not one (a model's broken output) are
    /// kept under "arguments" rather than dropped.</summary>
    private static void WriteArgs(Utf8JsonWriter writer, string args)
    {
        if (string.IsNullOrWhiteSpace(args))
        {
            writer.WriteStartObject();
            writer.WriteEndObject();
            return;
        }

        try
        {
            using var doc = JsonDocument.Parse(args);
            if (doc.RootElement.ValueKind == JsonValueKind.Object)
            {
                doc.RootElement.WriteTo(writer);
                return;
            }
        }
        catch (JsonException)
        {
        }

        writer.WriteStartObject();
        writer.WriteString("arguments", args);
        writer.WriteEndObject();
    }

    private readonly record struct PendingPart(string? Id, string? Name, string Text, bool Thought, string? Signature)
    {
        public PendingPart(string text, bool thought, string? signature)
            : this(null, null, text, thought, signature)
        {
        }

        public PendingPart(string id, string name, string args, string? signature)
            : this(id, name, args, false, signature)
        {
        }
    }

    private sealed class ChoiceState
    {
        public (string Id, string Name)? Tool { get; set; }

        public int ToolIndex { get; set; }

        public StringBuilder Args { get; } = new();

        public string? Signature { get; set; }

        public string? Finish { get; set; }
    }
}
