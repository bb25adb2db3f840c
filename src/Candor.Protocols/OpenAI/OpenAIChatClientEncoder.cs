using System.Buffers;
using System.Text.Json;
using Candor.Protocols.Canonical;
using Candor.Protocols.Codecs;

namespace Candor.Protocols.OpenAI;

/// <summary>Writes canonical events as OpenAI chat completion chunks (streamed) or a chat.completion
/// object. One instance serves one response; the JSON writer is reused for every chunk.</summary>
public sealed class OpenAIChatClientEncoder : IChatClientEncoder
{
    private readonly ChatRequest _request;
    private readonly HashSet<int> _announced = [];
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
                WriteDelta(output, t.Choice, "content", t.Text);
                break;
            case ThinkingDelta th:
                // Signatures (Anthropic) have no OpenAI field; only the text is shown.
                if (th.Text.Length == 0)
                {
                    break;
                }

                Announce(th.Choice, output);
                WriteDelta(output, th.Choice, "reasoning_content", th.Text);
                break;
            case ToolCallStarted tc:
                Announce(tc.Choice, output);
                WriteToolChunk(output, tc.Choice, tc.ToolIndex, tc.Id, tc.Name, "");
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
            WriteChoice(w, choice);
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

    private static void WriteChoice(Utf8JsonWriter w, ChatChoice choice)
    {
        string? text = null;
        string? thinking = null;
        bool hasTools = false;
        foreach (var part in choice.Parts)
        {
            switch (part)
            {
                case TextPart t:
                    text = text is null ? t.Text : text + t.Text;
                    break;
                case ThinkingPart th:
                    thinking = thinking is null ? th.Text : thinking + th.Text;
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

        if (hasTools)
        {
            OpenAIWire.WriteToolCalls(w, choice.Parts);
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
}
