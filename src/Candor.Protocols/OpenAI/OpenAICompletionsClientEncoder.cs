using System.Buffers;
using System.Text.Json;
using Candor.Protocols.Canonical;
using Candor.Protocols.Codecs;

namespace Candor.Protocols.OpenAI;

/// <summary>Writes canonical events as the legacy completions wire: <c>text_completion</c> chunks
/// (<c>{"id","object":"text_completion","created","model","choices":[{"text","index","logprobs":null,"finish_reason"}]}</c>)
/// ending with <c>data: [DONE]</c> — after a usage chunk with empty choices when the client asked for
/// <c>stream_options.include_usage</c> — or one <c>text_completion</c> object. Only text reaches the client: thinking
/// has no field on this wire, and a finish for tool calls (the surface sends no tools) reads <c>stop</c>.</summary>
public sealed class OpenAICompletionsClientEncoder(ChatRequest request) : IChatClientEncoder
{
    private Utf8JsonWriter? _writer;
    private string? _id;
    private string? _model;
    private long _created;
    private string? _fingerprint;
    private Usage? _usage;

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
                break;
            case TextDelta t when t.Text.Length > 0:
                WriteChunk(output, t.Choice, t.Text, null);
                break;
            case ChoiceFinished f:
                WriteChunk(output, f.Choice, "", Reason(f.Reason, f.RawReason));
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
        if (request.IncludeUsage)
        {
            var w = Begin(output);
            w.WriteStartArray("choices"u8);
            w.WriteEndArray();
            if (_usage is null)
            {
                // Nothing was reported upstream: say so rather than invent zeros.
                w.WriteNull("usage"u8);
            }
            else
            {
                OpenAIWire.WriteUsage(w, _usage);
            }

            OpenAIChatClientEncoder.End(w, output);
        }

        OpenAIChatClientEncoder.Raw(output, "data: [DONE]\n\n"u8);
    }

    /// <inheritdoc/>
    public void WriteStreamError(RelayError error, IBufferWriter<byte> output)
    {
        OpenAIChatClientEncoder.Raw(output, "data: "u8);
        OpenAIErrors.WriteEnvelope(error, Writer(output));
        OpenAIChatClientEncoder.Raw(output, "\n\n"u8);
    }

    /// <inheritdoc/>
    public void WriteResponse(ChatResponse response, IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(response);
        var w = Writer(output);
        w.WriteStartObject();
        w.WriteString("id"u8, response.Id.Length > 0 ? response.Id : FallbackId());
        w.WriteString("object"u8, "text_completion"u8);
        w.WriteNumber("created"u8, response.CreatedUnixSeconds);
        w.WriteString("model"u8, string.IsNullOrEmpty(response.Model) ? request.Model : response.Model);
        if (response.SystemFingerprint is { } fingerprint)
        {
            w.WriteString("system_fingerprint"u8, fingerprint);
        }

        w.WriteStartArray("choices"u8);
        foreach (var choice in response.Choices)
        {
            string text = string.Concat(choice.Parts.OfType<TextPart>().Select(static p => p.Text));
            WriteChoice(w, choice.Index, text, choice.FinishReason is { } reason ? Reason(reason, choice.RawFinishReason) : "stop");
        }

        w.WriteEndArray();
        if (response.Usage is { } usage)
        {
            OpenAIWire.WriteUsage(w, usage);
        }

        w.WriteEndObject();
        w.Flush();
    }

    /// <summary>The legacy wire's finish reasons are stop, length and content_filter.</summary>
    private static string Reason(FinishReason reason, string? raw) => OpenAIWire.ToWire(reason, raw) switch
    {
        "tool_calls" or "function_call" => "stop",
        var wire => wire,
    };

    private void WriteChunk(IBufferWriter<byte> output, int choice, string text, string? finishReason)
    {
        var w = Begin(output);
        w.WriteStartArray("choices"u8);
        WriteChoice(w, choice, text, finishReason);
        w.WriteEndArray();
        if (request.IncludeUsage)
        {
            // As on chat, every chunk but the usage chunk says "usage":null when the client asked for usage.
            w.WriteNull("usage"u8);
        }

        OpenAIChatClientEncoder.End(w, output);
    }

    private static void WriteChoice(Utf8JsonWriter w, int index, string text, string? finishReason)
    {
        w.WriteStartObject();
        w.WriteString("text"u8, text);
        w.WriteNumber("index"u8, index);
        w.WriteNull("logprobs"u8);
        if (finishReason is null)
        {
            w.WriteNull("finish_reason"u8);
        }
        else
        {
            w.WriteString("finish_reason"u8, finishReason);
        }

        w.WriteEndObject();
    }

    private Utf8JsonWriter Begin(IBufferWriter<byte> output)
    {
        OpenAIChatClientEncoder.Raw(output, "data: "u8);
        var w = Writer(output);
        w.WriteStartObject();
        w.WriteString("id"u8, _id ??= FallbackId());
        w.WriteString("object"u8, "text_completion"u8);
        if (_created == 0)
        {
            _created = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        }

        w.WriteNumber("created"u8, _created);
        w.WriteString("model"u8, _model ?? request.Model);
        if (_fingerprint is not null)
        {
            w.WriteString("system_fingerprint"u8, _fingerprint);
        }

        return w;
    }

    private Utf8JsonWriter Writer(IBufferWriter<byte> output) => OpenAIChatClientEncoder.Reuse(ref _writer, output);

    private static string FallbackId() => "cmpl-" + Guid.NewGuid().ToString("N");
}
