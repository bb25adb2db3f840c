using System.Buffers;
using System.Text.Json;
using Candor.Protocols.Canonical;
using Candor.Protocols.Codecs;

namespace Candor.Protocols.OpenAI;

/// <summary>Writes canonical events as OpenAI chat completion chunks (streamed) or a chat.completion
/// object. One instance serves one response; the JSON writer is reused for every chunk. Reasoning text goes out as
/// <c>reasoning_content</c>; signed reasoning, which the OpenAI wire has no field for, as <see cref="OpenAIReasoning"/>'s
/// <c>reasoning_signature</c> and tool-call ids.</summary>
public sealed class OpenAIChatClientEncoder : IChatClientEncoder
{
    private readonly ChatRequest _request;
    private readonly HashSet<int> _announced = [];
    // Created with the first reasoning delta: most answers have none, and a stream keeps its encoder while it is open.
    private Dictionary<int, ReasoningState>? _reasoning;
    private readonly bool _carry;
    private Utf8JsonWriter? _writer;
    private string? _id;
    private string? _model;
    private long _created;
    private string? _fingerprint;
    private Usage? _usage;

    /// <param name="request">The client's request: its model is the fallback model name and its
    /// <see cref="ChatRequest.IncludeUsage"/> decides whether the usage chunk is written.</param>
    public OpenAIChatClientEncoder(ChatRequest request)
    {
        _request = request;
        _carry = OpenAIReasoning.Requested(request);
    }

    /// <inheritdoc/>
    public void WriteStreamEvent(ChatEvent ev, IBufferWriter<byte> output)
    {
        switch (ev)
        {
            case ResponseStarted s:
                _id = string.IsNullOrEmpty(s.Id) ? null : s.Id;
                _model = string.IsNullOrEmpty(s.Model) ? null : s.Model;
                _created = s.CreatedUnixSeconds;
                _fingerprint = s.SystemFingerprint;

                // OpenAI's first chunk announces the role; sending it now gives the client its first byte early.
                Announce(0, output);
                break;
            case TextDelta t:
                if (t.Text.Length == 0)
                {
                    break;
                }

                Announce(t.Choice, output);
                EndThinking(t.Choice, output);
                WriteDelta(output, t.Choice, "content", t.Text);
                break;
            case ThinkingDelta th:
                if (th.Text.Length > 0)
                {
                    Announce(th.Choice, output);
                    WriteDelta(output, th.Choice, "reasoning_content", th.Text);
                }

                if (th.Text.Length > 0 || th.Signature is { Length: > 0 })
                {
                    Announce(th.Choice, output);
                    Reason(th, output);
                }

                break;
            case RedactedThinkingBlock r:
                Announce(r.Choice, output);
                var redacted = Reasoning(r.Choice);
                EndThinking(r.Choice, output);
                redacted.Blocks.Add(new RedactedThinkingPart(r.Data));
                WriteCarrier(output, r.Choice, redacted);
                break;
            case ToolCallStarted tc:
                Announce(tc.Choice, output);
                WriteToolChunk(output, tc.Choice, tc.ToolIndex, ToolCallId(tc.Choice, tc.Id), tc.Name, "");
                break;
            case ToolCallArgumentsDelta ta:
                if (ta.Fragment.Length == 0)
                {
                    break;
                }

                Announce(ta.Choice, output);
                WriteToolChunk(output, ta.Choice, ta.ToolIndex, null, null, ta.Fragment);
                break;
            case LogprobsDelta lp:
                Announce(lp.Choice, output);
                WriteLogprobsChunk(output, lp.Choice, lp.Content);
                break;
            case ChoiceFinished f:
                Announce(f.Choice, output);
                EndThinking(f.Choice, output);
                WriteFinishChunk(output, f.Choice, OpenAIWire.ToWire(f.Reason, f.RawReason));
                break;
            case UsageReported u:
                _usage = Usage.Merge(_usage, u.Usage);
                break;
            case StreamFailed failed:
                WriteStreamError(failed.Error, output);
                break;
        }
    }

    /// <inheritdoc/>
    public void WriteStreamEnd(IBufferWriter<byte> output)
    {
        if (_request.IncludeUsage)
        {
            var w = Begin(output);
            w.WriteStartArray("choices");
            w.WriteEndArray();
            if (_usage is null)
            {
                // Nothing was reported upstream: say so rather than invent zeros.
                w.WriteNull("usage");
            }
            else
            {
                OpenAIWire.WriteUsage(w, _usage);
            }

            End(w, output);
        }

        Raw(output, "data: [DONE]\n\n"u8);
    }

    /// <inheritdoc/>
    public void WriteStreamError(RelayError error, IBufferWriter<byte> output)
    {
        Raw(output, "data: "u8);
        var w = Writer(output);
        OpenAIErrors.WriteEnvelope(error, w);
        Raw(output, "\n\n"u8);
    }

    /// <inheritdoc/>
    public void WriteResponse(ChatResponse response, IBufferWriter<byte> output)
    {
        var w = Writer(output);
        w.WriteStartObject();
        w.WriteString("id", response.Id.Length > 0 ? response.Id : FallbackId());
        w.WriteString("object", "chat.completion");
        w.WriteNumber("created", response.CreatedUnixSeconds);
        w.WriteString("model", string.IsNullOrEmpty(response.Model) ? _request.Model : response.Model);
        w.WriteStartArray("choices");
        foreach (var choice in response.Choices)
        {
            WriteChoice(w, choice, _carry);
        }

        w.WriteEndArray();
        if (response.Usage is { } usage)
        {
            OpenAIWire.WriteUsage(w, usage);
        }

        if (response.SystemFingerprint is { } fp)
        {
            w.WriteString("system_fingerprint", fp);
        }

        w.WriteEndObject();
        w.Flush();
    }

    private static void WriteChoice(Utf8JsonWriter w, ChatChoice choice, bool carry)
    {
        string? text = null;
        string? thinking = null;
        bool hasTools = false;
        List<ContentPart>? signed = null;
        var parts = choice.Parts;
        for (int i = 0; i < parts.Count; i++)
        {
            switch (parts[i])
            {
                case TextPart t:
                    text = text is null ? t.Text : text + t.Text;
                    break;
                case ThinkingPart th:
                    if (th.Text.Length > 0)
                    {
                        thinking = thinking is null ? th.Text : thinking + th.Text;
                    }

                    if (th.Signature is not { Length: > 0 } signature)
                    {
                        break;
                    }

                    if (th.Text.Length == 0 && i + 1 < parts.Count && parts[i + 1] is ToolCallPart call)
                    {
                        // The signature of the call that follows (Gemini's thoughtSignature) travels in the call's id.
                        if (ReferenceEquals(parts, choice.Parts))
                        {
                            parts = new List<ContentPart>(parts);
                        }

                        parts[i + 1] = new ToolCallPart(OpenAIReasoning.IdWithSignature(call.Id, signature), call.Name, call.ArgumentsJson);
                    }
                    else
                    {
                        (signed ??= []).Add(th);
                    }

                    break;
                case RedactedThinkingPart r:
                    (signed ??= []).Add(r);
                    break;
                case ToolCallPart:
                    hasTools = true;
                    break;
            }
        }

        w.WriteStartObject();
        w.WriteNumber("index", choice.Index);
        w.WriteStartObject("message");
        w.WriteString("role", "assistant");
        if (text is null && hasTools)
        {
            w.WriteNull("content");
        }
        else
        {
            w.WriteString("content", text ?? "");
        }

        if (thinking is not null)
        {
            w.WriteString("reasoning_content", thinking);
        }

        if (signed is not null && carry)
        {
            w.WriteString(OpenAIReasoning.Field, OpenAIReasoning.Encode(signed));
        }

        if (hasTools)
        {
            OpenAIWire.WriteToolCalls(w, parts);
        }

        w.WriteEndObject();
        if (choice.Logprobs is { } logprobs)
        {
            w.WriteStartObject("logprobs");
            w.WriteStartArray("content");
            foreach (var item in logprobs)
            {
                item.WriteTo(w);
            }

            w.WriteEndArray();
            w.WriteEndObject();
        }
        else
        {
            w.WriteNull("logprobs");
        }

        if (choice.FinishReason is { } reason)
        {
            w.WriteString("finish_reason", OpenAIWire.ToWire(reason, choice.RawFinishReason));
        }
        else
        {
            w.WriteString("finish_reason", hasTools ? "tool_calls" : "stop");
        }

        w.WriteEndObject();
    }

    private ReasoningState Reasoning(int choice)
    {
        _reasoning ??= [];
        if (!_reasoning.TryGetValue(choice, out var state))
        {
            state = new ReasoningState();
            _reasoning[choice] = state;
        }

        return state;
    }

    /// <summary>Follows a choice's reasoning: text opens or extends a block; a signature closes the open block (Anthropic
    /// streams the signature last), or, with no block open, belongs to the part that follows (Gemini). Each block that
    /// closes signed is written as the whole carrier so far.</summary>
    private void Reason(ThinkingDelta th, IBufferWriter<byte> output)
    {
        var state = Reasoning(th.Choice);
        if (th.StartsPart)
        {
            state.Open = null;
        }

        if (th.Text.Length > 0)
        {
            FlushPending(th.Choice, state, output);
            (state.Open ??= new System.Text.StringBuilder()).Append(th.Text);
        }

        if (th.Signature is not { Length: > 0 } signature)
        {
            return;
        }

        if (state.Open is { } open)
        {
            state.Blocks.Add(new ThinkingPart(open.ToString()) { Signature = signature });
            state.Open = null;
            WriteCarrier(output, th.Choice, state);
            return;
        }

        FlushPending(th.Choice, state, output);
        state.Pending = signature;
    }

    /// <summary>Content other than reasoning ends the open (unsigned) block; a signature still waiting for its part
    /// is the block's own.</summary>
    private void EndThinking(int choice, IBufferWriter<byte> output)
    {
        if (_reasoning is not null && _reasoning.TryGetValue(choice, out var state))
        {
            state.Open = null;
            FlushPending(choice, state, output);
        }
    }

    private void FlushPending(int choice, ReasoningState state, IBufferWriter<byte> output)
    {
        if (state.Pending is { } pending)
        {
            state.Pending = null;
            state.Blocks.Add(new ThinkingPart("") { Signature = pending });
            WriteCarrier(output, choice, state);
        }
    }

    /// <summary>Writes the choice's whole carrier so far, when the client asked for reasoning.</summary>
    private void WriteCarrier(IBufferWriter<byte> output, int choice, ReasoningState state)
    {
        if (_carry)
        {
            WriteDelta(output, choice, OpenAIReasoning.Field, OpenAIReasoning.Encode(state.Blocks));
        }
    }

    /// <summary>A tool call's id, carrying the signature that came just before the call.</summary>
    private string ToolCallId(int choice, string id)
    {
        if (_reasoning is not null && _reasoning.TryGetValue(choice, out var state))
        {
            state.Open = null;
            if (state.Pending is { } pending)
            {
                state.Pending = null;
                return OpenAIReasoning.IdWithSignature(id, pending);
            }
        }

        return id;
    }

    private void Announce(int choice, IBufferWriter<byte> output)
    {
        if (!_announced.Add(choice))
        {
            return;
        }

        var w = BeginChoice(output, choice);
        w.WriteStartObject("delta");
        w.WriteString("role", "assistant");
        w.WriteString("content", "");
        w.WriteEndObject();
        EndChoice(w, output, null);
    }

    private void WriteDelta(IBufferWriter<byte> output, int choice, string field, string text)
    {
        var w = BeginChoice(output, choice);
        w.WriteStartObject("delta");
        w.WriteString(field, text);
        w.WriteEndObject();
        EndChoice(w, output, null);
    }

    private void WriteToolChunk(IBufferWriter<byte> output, int choice, int index, string? id, string? name, string arguments)
    {
        var w = BeginChoice(output, choice);
        w.WriteStartObject("delta");
        w.WriteStartArray("tool_calls");
        w.WriteStartObject();
        w.WriteNumber("index", index);
        if (id is not null)
        {
            w.WriteString("id", id);
            w.WriteString("type", "function");
        }

        w.WriteStartObject("function");
        if (name is not null)
        {
            w.WriteString("name", name);
        }

        w.WriteString("arguments", arguments);
        w.WriteEndObject();
        w.WriteEndObject();
        w.WriteEndArray();
        w.WriteEndObject();
        EndChoice(w, output, null);
    }

    private void WriteLogprobsChunk(IBufferWriter<byte> output, int choice, JsonElement content)
    {
        var w = BeginChoice(output, choice);
        w.WriteStartObject("delta");
        w.WriteEndObject();
        w.WriteStartObject("logprobs");
        w.WritePropertyName("content");
        content.WriteTo(w);
        w.WriteEndObject();
        EndChoice(w, output, null, logprobsWritten: true);
    }

    private void WriteFinishChunk(IBufferWriter<byte> output, int choice, string reason)
    {
        var w = BeginChoice(output, choice);
        w.WriteStartObject("delta");
        w.WriteEndObject();
        EndChoice(w, output, reason);
    }

    private Utf8JsonWriter BeginChoice(IBufferWriter<byte> output, int choice)
    {
        var w = Begin(output);
        w.WriteStartArray("choices");
        w.WriteStartObject();
        w.WriteNumber("index", choice);
        return w;
    }

    private void EndChoice(Utf8JsonWriter w, IBufferWriter<byte> output, string? finishReason, bool logprobsWritten = false)
    {
        if (!logprobsWritten)
        {
            w.WriteNull("logprobs");
        }

        if (finishReason is null)
        {
            w.WriteNull("finish_reason");
        }
        else
        {
            w.WriteString("finish_reason", finishReason);
        }

        w.WriteEndObject();
        w.WriteEndArray();
        if (_request.IncludeUsage)
        {
            // With include_usage OpenAI writes "usage":null on every chunk but the last.
            w.WriteNull("usage");
        }

        End(w, output);
    }

    private Utf8JsonWriter Begin(IBufferWriter<byte> output)
    {
        Raw(output, "data: "u8);
        var w = Writer(output);
        w.WriteStartObject();
        w.WriteString("id", _id ??= FallbackId());
        w.WriteString("object", "chat.completion.chunk");
        if (_created == 0)
        {
            _created = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        }

        w.WriteNumber("created", _created);
        w.WriteString("model", _model ?? _request.Model);
        if (_fingerprint is not null)
        {
            w.WriteString("system_fingerprint", _fingerprint);
        }

        return w;
    }

    /// <summary>Closes a chunk's object and its SSE event (shared with <see cref="OpenAICompletionsClientEncoder"/>).</summary>
    internal static void End(Utf8JsonWriter w, IBufferWriter<byte> output)
    {
        w.WriteEndObject();
        w.Flush();

        // JSON text never holds a raw line break, so one data line carries the whole chunk.
        Raw(output, "\n\n"u8);
    }

    private Utf8JsonWriter Writer(IBufferWriter<byte> output) => Reuse(ref _writer, output);

    /// <summary>One JSON writer per response, pointed at <paramref name="output"/> for the next chunk.</summary>
    internal static Utf8JsonWriter Reuse(ref Utf8JsonWriter? writer, IBufferWriter<byte> output)
    {
        if (writer is null)
        {
            writer = new Utf8JsonWriter(output, OpenAIWire.WriterOptions);
        }
        else
        {
            writer.Reset(output);
        }

        return writer;
    }

    private static string FallbackId() => "chatcmpl-" + Guid.NewGuid().ToString("N");

    internal static void Raw(IBufferWriter<byte> output, ReadOnlySpan<byte> bytes)
    {
        var span = output.GetSpan(bytes.Length);
        bytes.CopyTo(span);
        output.Advance(bytes.Length);
    }

    /// <summary>One choice's reasoning while it streams.</summary>
    private sealed class ReasoningState
    {
        /// <summary>The signed blocks so far, in order.</summary>
        public List<ContentPart> Blocks { get; } = [];

        /// <summary>The text of the block still open (no signature yet).</summary>
        public System.Text.StringBuilder? Open { get; set; }

        /// <summary>A signature that arrived with no block open: the next part's.</summary>
        public string? Pending { get; set; }
    }
}
