using System.Buffers;
using System.Text.Json;
using Candor.Protocols.Canonical;
using Candor.Protocols.Codecs;
using Candor.Protocols.Sse;

namespace Candor.Protocols.Anthropic;

/// <summary>Writes canonical events to an Anthropic Messages client. Streams follow Anthropic's event
/// sequence: <c>message_start</c>, <c>ping</c>, per content block <c>content_block_start</c> /
/// <c>content_block_delta</c>… / <c>content_block_stop</c>, then <c>message_delta</c> and
/// <c>message_stop</c>. Only choice 0 is encoded.
/// <para><c>message_start</c> is held back from <see cref="ResponseStarted"/> until the next event, so
/// that usage reported together with the start (Anthropic upstreams) lands in it; usage that arrives
/// later (OpenAI-wire upstreams report it at the end) goes into <c>message_delta</c>, whose input and
/// cache figures the Anthropic SDKs take over. Nothing else is held: each delta is written as it comes.</para>
/// <para>When no input figure has arrived by <c>message_start</c> (upstreams of the other wires report usage at the
/// end), <c>message_start</c> carries Candor's own count of the prompt, when the surface gave one: clients that read the
/// input count from <c>message_start</c> alone (LangChain's ChatAnthropic) see the prompt's size rather than 0, and the
/// upstream's figure in <c>message_delta</c> still overrides it.</para>
/// Tool-argument fragments for a tool call whose block is no longer open are dropped: Anthropic's wire
/// cannot reopen a block (upstreams stream one tool call after another, so this does not happen in practice).</summary>
public sealed class AnthropicClientEncoder : IChatClientEncoder
{
    private readonly ChatRequest _request;
    private readonly Func<int>? _promptTokens;
    private readonly ArrayBufferWriter<byte> _json = new(1024);
    private readonly Utf8JsonWriter _writer;
    private ResponseStarted? _start;
    private bool _messageStarted;
    private bool _ended;
    private Usage? _usage;
    private ChoiceFinished? _finish;
    private BlockKind _open;
    private int _blockIndex = -1;
    private int _openToolIndex = -1;

    /// <param name="request">The client's request (its model is the fallback for the model written).</param>
    public AnthropicClientEncoder(ChatRequest request)
        : this(request, null)
    {
    }

    /// <param name="request">The client's request (its model is the fallback for the model written).</param>
    /// <param name="promptTokens">Candor's count of the prompt, asked for only when a stream's <c>message_start</c> has
    /// no input figure from the upstream; null writes 0 there.</param>
    public AnthropicClientEncoder(ChatRequest request, Func<int>? promptTokens)
    {
        _request = request;
        _promptTokens = promptTokens;
        _writer = new Utf8JsonWriter(_json, AnthropicWire.WriterOptions);
    }

    private enum BlockKind
    {
        None,
        Text,
        Thinking,
        ToolUse,
    }

    /// <inheritdoc/>
    public void WriteStreamEvent(ChatEvent ev, IBufferWriter<byte> output)
    {
        if (_ended)
        {
            return;
        }

        switch (ev)
        {
            case ResponseStarted s:
                _start = s;
                break;
            case UsageReported u:
                _usage = Usage.Merge(_usage, u.Usage);
                EnsureStarted(output);
                break;
            case TextDelta { Choice: 0 } t:
                if (t.Text.Length == 0)
                {
                    break;
                }

                EnsureStarted(output);
                OpenBlock(BlockKind.Text, output);
                WriteDelta(output, "text_delta"u8, "text"u8, t.Text);
                break;
            case ThinkingDelta { Choice: 0 } th:
                if (th.Text.Length == 0 && th.Signature is null)
                {
                    break;
                }

                EnsureStarted(output);
                if (th.StartsPart)
                {
                    // Gemini's signature of the part that follows: a thinking block of its own, which the client sends
                    // back and Candor returns to Gemini on that part.
                    CloseBlock(output);
                }

                OpenBlock(BlockKind.Thinking, output);
                if (th.Text.Length > 0)
                {
                    WriteDelta(output, "thinking_delta"u8, "thinking"u8, th.Text);
                }

                if (th.Signature is not null)
                {
                    WriteDelta(output, "signature_delta"u8, "signature"u8, th.Signature);
                }

                break;
            case RedactedThinkingBlock { Choice: 0 } r:
                EnsureStarted(output);
                CloseBlock(output);
                _blockIndex++;
                BeginEvent("content_block_start"u8);
                _writer.WriteNumber("index"u8, _blockIndex);
                _writer.WriteStartObject("content_block"u8);
                _writer.WriteString("type"u8, "redacted_thinking"u8);
                _writer.WriteString("data"u8, r.Data);
                _writer.WriteEndObject();
                EndEvent(output, "content_block_start"u8);
                _open = BlockKind.Thinking;
                CloseBlock(output);
                break;
            case ToolCallStarted { Choice: 0 } tc:
                if (_open == BlockKind.ToolUse && tc.ToolIndex == _openToolIndex)
                {
                    // A repeated announcement of the open call adds nothing.
                    break;
                }

                EnsureStarted(output);
                CloseBlock(output);
                _blockIndex++;
                _open = BlockKind.ToolUse;
                _openToolIndex = tc.ToolIndex;
                BeginEvent("content_block_start"u8);
                _writer.WriteNumber("index"u8, _blockIndex);
                _writer.WriteStartObject("content_block"u8);
                _writer.WriteString("type"u8, "tool_use"u8);
                _writer.WriteString("id"u8, AnthropicWire.ToolUseId(tc.Id));
                _writer.WriteString("name"u8, tc.Name);
                _writer.WriteStartObject("input"u8);
                _writer.WriteEndObject();
                _writer.WriteEndObject();
                EndEvent(output, "content_block_start"u8);
                break;
            case ToolCallArgumentsDelta { Choice: 0 } ta:
                if (_open == BlockKind.ToolUse && ta.ToolIndex == _openToolIndex && ta.Fragment.Length > 0)
                {
                    WriteDelta(output, "input_json_delta"u8, "partial_json"u8, ta.Fragment);
                }

                break;
            case ChoiceFinished { Choice: 0 } f:
                EnsureStarted(output);
                CloseBlock(output);
                _finish = f;
                break;
            case StreamFailed failed:
                WriteStreamError(failed.Error, output);
                break;
        }
    }

    /// <inheritdoc/>
    public void WriteStreamEnd(IBufferWriter<byte> output)
    {
        if (_ended)
        {
            return;
        }

        EnsureStarted(output);
        CloseBlock(output);
        BeginEvent("message_delta"u8);
        _writer.WriteStartObject("delta"u8);
        _writer.WriteString("stop_reason"u8, _finish is null ? "end_turn" : AnthropicWire.StopReason(_finish.Reason, _finish.RawReason));
        WriteNullableString("stop_sequence"u8, _finish?.StopSequence);
        _writer.WriteEndObject();
        AnthropicWire.WriteDeltaUsage(_usage, _writer);
        EndEvent(output, "message_delta"u8);
        BeginEvent("message_stop"u8);
        EndEvent(output, "message_stop"u8);
        _ended = true;
    }

    /// <inheritdoc/>
    public void WriteStreamError(RelayError error, IBufferWriter<byte> output)
    {
        if (_ended)
        {
            return;
        }

        _json.ResetWrittenCount();
        _writer.Reset(_json);
        AnthropicErrors.WriteEnvelope(error, _writer);
        _writer.Flush();
        SseWriter.WriteEvent(output, "error"u8, _json.WrittenSpan);
        _ended = true;
    }

    /// <inheritdoc/>
    public void WriteResponse(ChatResponse response, IBufferWriter<byte> output)
    {
        using var writer = new Utf8JsonWriter(output, AnthropicWire.WriterOptions);
        var choice = response.Choices.Find(static c => c.Index == 0) ?? (response.Choices.Count > 0 ? response.Choices[0] : null);
        writer.WriteStartObject();
        writer.WriteString("id"u8, AnthropicWire.MessageId(response.Id));
        writer.WriteString("type"u8, "message"u8);
        writer.WriteString("role"u8, "assistant"u8);
        writer.WriteString("model"u8, response.Model ?? _request.Model);
        writer.WriteStartArray("content"u8);
        if (choice is not null)
        {
            foreach (var part in choice.Parts)
            {
                WriteContentBlock(part, writer);
            }
        }

        writer.WriteEndArray();
        writer.WriteString("stop_reason"u8, choice?.FinishReason is FinishReason reason ? AnthropicWire.StopReason(reason, choice.RawFinishReason) : "end_turn");
        if (choice?.StopSequence is string stop)
        {
            writer.WriteString("stop_sequence"u8, stop);
        }
        else
        {
            writer.WriteNull("stop_sequence"u8);
        }

        AnthropicWire.WriteMessageUsage(response.Usage, writer);
        writer.WriteEndObject();
    }

    private static void WriteContentBlock(ContentPart part, Utf8JsonWriter writer)
    {
        switch (part)
        {
            case TextPart t:
                writer.WriteStartObject();
                writer.WriteString("type"u8, "text"u8);
                writer.WriteString("text"u8, t.Text);
                writer.WriteEndObject();
                break;
            case ThinkingPart th:
                writer.WriteStartObject();
                writer.WriteString("type"u8, "thinking"u8);
                writer.WriteString("thinking"u8, th.Text);
                writer.WriteString("signature"u8, th.Signature ?? "");
                writer.WriteEndObject();
                break;
            case RedactedThinkingPart r:
                writer.WriteStartObject();
                writer.WriteString("type"u8, "redacted_thinking"u8);
                writer.WriteString("data"u8, r.Data);
                writer.WriteEndObject();
                break;
            case ToolCallPart call:
                writer.WriteStartObject();
                writer.WriteString("type"u8, "tool_use"u8);
                writer.WriteString("id"u8, AnthropicWire.ToolUseId(call.Id));
                writer.WriteString("name"u8, call.Name);
                writer.WritePropertyName("input"u8);
                AnthropicWire.WriteArgumentsObject(call.ArgumentsJson, writer);
                writer.WriteEndObject();
                break;
        }
    }

    private void EnsureStarted(IBufferWriter<byte> output)
    {
        if (_messageStarted)
        {
            return;
        }

        _messageStarted = true;
        BeginEvent("message_start"u8);
        _writer.WriteStartObject("message"u8);
        _writer.WriteString("id"u8, AnthropicWire.MessageId(_start?.Id));
        _writer.WriteString("type"u8, "message"u8);
        _writer.WriteString("role"u8, "assistant"u8);
        _writer.WriteString("model"u8, _start?.Model ?? _request.Model);
        _writer.WriteStartArray("content"u8);
        _writer.WriteEndArray();
        _writer.WriteNull("stop_reason"u8);
        _writer.WriteNull("stop_sequence"u8);
        AnthropicWire.WriteMessageUsage(StartUsage(), _writer);
        _writer.WriteEndObject();
        EndEvent(output, "message_start"u8);
        BeginEvent("ping"u8);
        EndEvent(output, "ping"u8);
    }

    /// <summary>The usage message_start reports: the upstream's so far, with Candor's prompt count standing in for an
    /// input figure the upstream has not given yet.</summary>
    private Usage? StartUsage()
    {
        if (_usage?.InputTokens is not null || _promptTokens is null)
        {
            return _usage;
        }

        var counted = new Usage { InputTokens = _promptTokens() };
        return _usage is null ? counted : Usage.Merge(counted, _usage);
    }

    private void OpenBlock(BlockKind kind, IBufferWriter<byte> output)
    {
        if (_open == kind)
        {
            return;
        }

        CloseBlock(output);
        _blockIndex++;
        _open = kind;
        BeginEvent("content_block_start"u8);
        _writer.WriteNumber("index"u8, _blockIndex);
        _writer.WriteStartObject("content_block"u8);
        if (kind == BlockKind.Text)
        {
            _writer.WriteString("type"u8, "text"u8);
            _writer.WriteString("text"u8, ""u8);
        }
        else
        {
            _writer.WriteString("type"u8, "thinking"u8);
            _writer.WriteString("thinking"u8, ""u8);
            _writer.WriteString("signature"u8, ""u8);
        }

        _writer.WriteEndObject();
        EndEvent(output, "content_block_start"u8);
    }

    private void CloseBlock(IBufferWriter<byte> output)
    {
        if (_open == BlockKind.None)
        {
            return;
        }

        BeginEvent("content_block_stop"u8);
        _writer.WriteNumber("index"u8, _blockIndex);
        EndEvent(output, "content_block_stop"u8);
        _open = BlockKind.None;
        _openToolIndex = -1;
    }

    private void WriteDelta(IBufferWriter<byte> output, ReadOnlySpan<byte> deltaType, ReadOnlySpan<byte> field, string value)
    {
        BeginEvent("content_block_delta"u8);
        _writer.WriteNumber("index"u8, _blockIndex);
        _writer.WriteStartObject("delta"u8);
        _writer.WriteString("type"u8, deltaType);
        _writer.WriteString(field, value);
        _writer.WriteEndObject();
        EndEvent(output, "content_block_delta"u8);
    }

    private void WriteNullableString(ReadOnlySpan<byte> name, string? value)
    {
        if (value is null)
        {
            _writer.WriteNull(name);
        }
        else
        {
            _writer.WriteString(name, value);
        }
    }

    private void BeginEvent(ReadOnlySpan<byte> type)
    {
        _json.ResetWrittenCount();
        _writer.Reset(_json);
        _writer.WriteStartObject();
        _writer.WriteString("type"u8, type);
    }

    private void EndEvent(IBufferWriter<byte> output, ReadOnlySpan<byte> type)
    {
        _writer.WriteEndObject();
        _writer.Flush();
        SseWriter.WriteEvent(output, type, _json.WrittenSpan);
    }
}
