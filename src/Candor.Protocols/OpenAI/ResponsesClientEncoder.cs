using System.Buffers;
using System.Text;
using System.Text.Json;
using Candor.Protocols.Canonical;
using Candor.Protocols.Codecs;

namespace Candor.Protocols.OpenAI;

/// <summary>Writes canonical events as OpenAI's Responses API: a <c>response</c> object (non-streamed) or the typed
/// event stream the SDKs' helpers read (<c>response.created</c>, <c>response.in_progress</c>, per output item
/// <c>response.output_item.added</c> … <c>response.output_item.done</c> with the content-part, text, reasoning-summary
/// and function-argument events between, then <c>response.completed</c> or <c>response.incomplete</c>; a failure after
/// the first byte is an <c>error</c> event and <c>response.failed</c>), every event numbered by
/// <c>sequence_number</c>. The protocol repeats each item's whole text in its <c>…done</c> events and every item in
/// the final response, so an item's text is held until the item closes; only choice 0 is written (the API has no
/// choices). One instance serves one response.</summary>
public sealed class ResponsesClientEncoder : IChatClientEncoder
{
    private readonly ChatRequest _request;
    private readonly bool _encrypted;
    private readonly List<OutputItem> _items = [];
    private readonly Dictionary<int, OutputItem> _tools = [];
    private readonly string _itemBase = Guid.NewGuid().ToString("N")[..24];
    private Utf8JsonWriter? _writer;
    private OutputItem? _open;
    private string? _id;
    private string? _model;
    private long _created;
    private Usage? _usage;
    private FinishReason? _finish;
    private int _sequence;
    private bool _started;

    /// <param name="request">The client's request: its model is the fallback model name, its parameters are echoed
    /// in the response, and its <c>include</c> decides whether reasoning items carry <c>encrypted_content</c>.</param>
    public ResponsesClientEncoder(ChatRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        _request = request;
        _encrypted = ResponsesWire.WantsEncryptedReasoning(request);
    }

    private enum ItemKind
    {
        Message,
        FunctionCall,
        Reasoning,
    }

    /// <inheritdoc/>
    public void WriteStreamEvent(ChatEvent ev, IBufferWriter<byte> output)
    {
        switch (ev)
        {
            case ResponseStarted s:
                _id = ResponseId(s.Id);
                _model = string.IsNullOrEmpty(s.Model) ? null : s.Model;
                _created = s.CreatedUnixSeconds;
                Start(output);
                break;
            case TextDelta { Choice: 0 } t when t.Text.Length > 0:
                Start(output);
                var message = _open is { Kind: ItemKind.Message } open ? open : OpenItem(ItemKind.Message, output);
                message.Text.Append(t.Text);
                var w = BeginEvent(output, "response.output_text.delta");
                WriteItemRef(w, message);
                w.WriteNumber("content_index", 0);
                w.WriteString("delta", t.Text);
                w.WriteStartArray("logprobs");
                w.WriteEndArray();
                EndEvent(w, output);
                break;
            case ThinkingDelta { Choice: 0 } th:
                Start(output);
                WriteThinking(th, output);
                break;
            case RedactedThinkingBlock { Choice: 0 } redacted:
                Start(output);
                var carrier = OpenItem(ItemKind.Reasoning, output);
                carrier.Encrypted = ResponsesWire.RedactedPrefix + redacted.Data;
                CloseOpen(output);
                break;
            case ToolCallStarted { Choice: 0 } tc:
                Start(output);
                var call = OpenItem(ItemKind.FunctionCall, output, tc.Id, tc.Name);
                _tools[tc.ToolIndex] = call;
                break;
            case ToolCallArgumentsDelta { Choice: 0 } ta when ta.Fragment.Length > 0:
                // A fragment for a call already closed (arguments interleaved across calls) cannot be streamed any
                // more; it still joins the call's arguments in the final response.
                if (_tools.TryGetValue(ta.ToolIndex, out var target))
                {
                    target.Text.Append(ta.Fragment);
                    if (ReferenceEquals(target, _open))
                    {
                        var d = BeginEvent(output, "response.function_call_arguments.delta");
                        WriteItemRef(d, target);
                        d.WriteString("delta", ta.Fragment);
                        EndEvent(d, output);
                    }
                }

                break;
            case ChoiceFinished { Choice: 0 } f:
                Start(output);
                CloseOpen(output);
                _finish = f.Reason;
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
        Start(output);
        CloseOpen(output);
        var (status, _) = Status();
        var w = BeginEvent(output, status == "completed" ? "response.completed" : "response.incomplete");
        w.WritePropertyName("response");
        WriteResponseObject(w, status, null);
        EndEvent(w, output);
    }

    /// <inheritdoc/>
    public void WriteStreamError(RelayError error, IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(error);
        Start(output);
        var w = BeginEvent(output, "error");
        w.WriteString("code", error.Code ?? OpenAIErrors.TypeOf(error.Kind));
        w.WriteString("message", error.Message);
        if (error.Param is { } param)
        {
            w.WriteString("param", param);
        }
        else
        {
            w.WriteNull("param");
        }

        EndEvent(w, output);
        w = BeginEvent(output, "response.failed");
        w.WritePropertyName("response");
        WriteResponseObject(w, "failed", error);
        EndEvent(w, output);
    }

    /// <inheritdoc/>
    public void WriteResponse(ChatResponse response, IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(response);
        _id = ResponseId(response.Id);
        _model = string.IsNullOrEmpty(response.Model) ? null : response.Model;
        _created = response.CreatedUnixSeconds;
        _usage = response.Usage;
        if (response.Choices.Find(static c => c.Index == 0) is { } choice)
        {
            _finish = choice.FinishReason;
            foreach (var part in choice.Parts)
            {
                AddPart(part);
            }
        }

        var w = Writer(output);
        WriteResponseObject(w, Status().Status, null);
        w.Flush();
    }

    /// <summary>Gathers a whole answer's part into the output items, as the stream would have made them.</summary>
    private void AddPart(ContentPart part)
    {
        switch (part)
        {
            case TextPart t:
                (_items.Count > 0 && _items[^1].Kind == ItemKind.Message ? _items[^1] : NewItem(ItemKind.Message)).Text.Append(t.Text);
                break;
            case ThinkingPart th:
                var reasoning = NewItem(ItemKind.Reasoning);
                reasoning.Text.Append(th.Text);
                reasoning.Encrypted = th.Signature;
                break;
            case RedactedThinkingPart r:
                NewItem(ItemKind.Reasoning).Encrypted = ResponsesWire.RedactedPrefix + r.Data;
                break;
            case ToolCallPart tc:
                NewItem(ItemKind.FunctionCall, tc.Id, tc.Name).Text.Append(tc.ArgumentsJson);
                break;
        }
    }

    private void WriteThinking(ThinkingDelta th, IBufferWriter<byte> output)
    {
        if (th.Text.Length > 0)
        {
            // Text after a signature is a new thinking block: a new reasoning item.
            var item = _open is { Kind: ItemKind.Reasoning, Encrypted: null } open ? open : OpenItem(ItemKind.Reasoning, output);
            if (item.Text.Length == 0)
            {
                var added = BeginEvent(output, "response.reasoning_summary_part.added");
                WriteItemRef(added, item);
                added.WriteNumber("summary_index", 0);
                WriteSummaryPart(added, "");
                EndEvent(added, output);
            }

            item.Text.Append(th.Text);
            var w = BeginEvent(output, "response.reasoning_summary_text.delta");
            WriteItemRef(w, item);
            w.WriteNumber("summary_index", 0);
            w.WriteString("delta", th.Text);
            EndEvent(w, output);
        }

        if (th.Signature is { Length: > 0 } signature)
        {
            var item = _open is { Kind: ItemKind.Reasoning, Encrypted: null } open ? open : OpenItem(ItemKind.Reasoning, output);
            item.Encrypted = signature;
        }
    }

    private OutputItem NewItem(ItemKind kind, string? callId = null, string? name = null)
    {
        var item = new OutputItem(kind, _items.Count, ItemId(kind, _items.Count)) { CallId = callId, Name = name };
        _items.Add(item);
        return item;
    }

    /// <summary>Closes the open item and announces a new one (with its empty content part for a message).</summary>
    private OutputItem OpenItem(ItemKind kind, IBufferWriter<byte> output, string? callId = null, string? name = null)
    {
        CloseOpen(output);
        var item = NewItem(kind, callId, name);
        _open = item;
        var w = BeginEvent(output, "response.output_item.added");
        w.WriteNumber("output_index", item.Index);
        w.WritePropertyName("item");
        WriteItem(w, item, done: false);
        EndEvent(w, output);
        if (kind == ItemKind.Message)
        {
            w = BeginEvent(output, "response.content_part.added");
            WriteItemRef(w, item);
            w.WriteNumber("content_index", 0);
            WriteTextPart(w, "part", "");
            EndEvent(w, output);
        }

        return item;
    }

    private void CloseOpen(IBufferWriter<byte> output)
    {
        if (_open is not { } item)
        {
            return;
        }

        _open = null;
        Utf8JsonWriter w;
        switch (item.Kind)
        {
            case ItemKind.Message:
                string text = item.Text.ToString();
                w = BeginEvent(output, "response.output_text.done");
                WriteItemRef(w, item);
                w.WriteNumber("content_index", 0);
                w.WriteString("text", text);
                w.WriteStartArray("logprobs");
                w.WriteEndArray();
                EndEvent(w, output);
                w = BeginEvent(output, "response.content_part.done");
                WriteItemRef(w, item);
                w.WriteNumber("content_index", 0);
                WriteTextPart(w, "part", text);
                EndEvent(w, output);
                break;
            case ItemKind.FunctionCall:
                w = BeginEvent(output, "response.function_call_arguments.done");
                WriteItemRef(w, item);
                w.WriteString("name", item.Name);
                w.WriteString("arguments", Arguments(item));
                EndEvent(w, output);
                break;
            case ItemKind.Reasoning when item.Text.Length > 0:
                string summary = item.Text.ToString();
                w = BeginEvent(output, "response.reasoning_summary_text.done");
                WriteItemRef(w, item);
                w.WriteNumber("summary_index", 0);
                w.WriteString("text", summary);
                EndEvent(w, output);
                w = BeginEvent(output, "response.reasoning_summary_part.done");
                WriteItemRef(w, item);
                w.WriteNumber("summary_index", 0);
                WriteSummaryPart(w, summary);
                EndEvent(w, output);
                break;
        }

        w = BeginEvent(output, "response.output_item.done");
        w.WriteNumber("output_index", item.Index);
        w.WritePropertyName("item");
        WriteItem(w, item, done: true);
        EndEvent(w, output);
    }

    /// <summary>Writes <c>response.created</c> and <c>response.in_progress</c> once, before anything else.</summary>
    private void Start(IBufferWriter<byte> output)
    {
        if (_started)
        {
            return;
        }

        _started = true;
        foreach (var type in (ReadOnlySpan<string>)["response.created", "response.in_progress"])
        {
            var w = BeginEvent(output, type);
            w.WritePropertyName("response");
            WriteResponseObject(w, "in_progress", null);
            EndEvent(w, output);
        }
    }

    private (string Status, string? Reason) Status() => _finish switch
    {
        FinishReason.MaxTokens => ("incomplete", "max_output_tokens"),
        FinishReason.ContentFilter => ("incomplete", "content_filter"),
        _ => ("completed", null),
    };

    private void WriteResponseObject(Utf8JsonWriter w, string status, RelayError? error)
    {
        w.WriteStartObject();
        w.WriteString("id", _id ??= ResponseId(null));
        w.WriteString("object", "response");
        if (_created == 0)
        {
            _created = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        }

        w.WriteNumber("created_at", _created);
        w.WriteString("status", status);
        w.WriteBoolean("background", false);
        if (error is not null)
        {
            w.WriteStartObject("error");
            w.WriteString("code", error.Kind == RelayErrorKind.RateLimited ? "rate_limit_exceeded" : "server_error");
            w.WriteString("message", error.Message);
            w.WriteEndObject();
        }
        else
        {
            w.WriteNull("error");
        }

        if (status == "incomplete" && Status().Reason is { } reason)
        {
            w.WriteStartObject("incomplete_details");
            w.WriteString("reason", reason);
            w.WriteEndObject();
        }
        else
        {
            w.WriteNull("incomplete_details");
        }

        w.WriteNull("instructions");
        if (_request.MaxOutputTokens is { } max)
        {
            w.WriteNumber("max_output_tokens", max);
        }
        else
        {
            w.WriteNull("max_output_tokens");
        }

        w.WriteString("model", _model ?? _request.Model);
        w.WriteStartArray("output");
        if (status != "in_progress")
        {
            foreach (var item in _items)
            {
                WriteItem(w, item, done: true);
            }
        }

        w.WriteEndArray();
        ResponsesWire.WriteEcho(w, _request);
        ResponsesWire.WriteUsage(w, status == "in_progress" ? null : _usage);
        w.WriteEndObject();
    }

    private void WriteItem(Utf8JsonWriter w, OutputItem item, bool done)
    {
        w.WriteStartObject();
        w.WriteString("id", item.Id);
        switch (item.Kind)
        {
            case ItemKind.Message:
                w.WriteString("type", "message");
                w.WriteString("status", done ? "completed" : "in_progress");
                w.WriteString("role", "assistant");
                w.WriteStartArray("content");
                if (done)
                {
                    w.WriteStartObject();
                    WriteTextPartBody(w, item.Text.ToString());
                    w.WriteEndObject();
                }

                w.WriteEndArray();
                break;
            case ItemKind.FunctionCall:
                w.WriteString("type", "function_call");
                w.WriteString("status", done ? "completed" : "in_progress");
                w.WriteString("arguments", done ? Arguments(item) : "");
                w.WriteString("call_id", item.CallId);
                w.WriteString("name", item.Name);
                break;
            case ItemKind.Reasoning:
                w.WriteString("type", "reasoning");
                w.WriteStartArray("summary");
                if (done && item.Text.Length > 0)
                {
                    w.WriteStartObject();
                    w.WriteString("type", "summary_text");
                    w.WriteString("text", item.Text.ToString());
                    w.WriteEndObject();
                }

                w.WriteEndArray();
                if (_encrypted)
                {
                    if (done && item.Encrypted is { } encrypted)
                    {
                        w.WriteString("encrypted_content", encrypted);
                    }
                    else
                    {
                        w.WriteNull("encrypted_content");
                    }
                }

                break;
        }

        w.WriteEndObject();
    }

    /// <summary>A call's arguments; a call without any is <c>{}</c>, which every SDK parses.</summary>
    private static string Arguments(OutputItem item) => item.Text.Length == 0 ? "{}" : item.Text.ToString();

    private static void WriteItemRef(Utf8JsonWriter w, OutputItem item)
    {
        w.WriteString("item_id", item.Id);
        w.WriteNumber("output_index", item.Index);
    }

    private static void WriteTextPart(Utf8JsonWriter w, string name, string text)
    {
        w.WriteStartObject(name);
        WriteTextPartBody(w, text);
        w.WriteEndObject();
    }

    private static void WriteTextPartBody(Utf8JsonWriter w, string text)
    {
        w.WriteString("type", "output_text");
        w.WriteStartArray("annotations");
        w.WriteEndArray();
        w.WriteStartArray("logprobs");
        w.WriteEndArray();
        w.WriteString("text", text);
    }

    private static void WriteSummaryPart(Utf8JsonWriter w, string text)
    {
        w.WriteStartObject("part");
        w.WriteString("type", "summary_text");
        w.WriteString("text", text);
        w.WriteEndObject();
    }

    private Utf8JsonWriter BeginEvent(IBufferWriter<byte> output, string type)
    {
        Raw(output, "event: "u8);
        int length = Encoding.UTF8.GetByteCount(type);
        Encoding.UTF8.GetBytes(type, output.GetSpan(length));
        output.Advance(length);
        Raw(output, "\ndata: "u8);
        var w = Writer(output);
        w.WriteStartObject();
        w.WriteString("type", type);
        w.WriteNumber("sequence_number", _sequence++);
        return w;
    }

    private static void EndEvent(Utf8JsonWriter w, IBufferWriter<byte> output)
    {
        w.WriteEndObject();
        w.Flush();

        // JSON text never holds a raw line break, so one data line carries the whole event.
        Raw(output, "\n\n"u8);
    }

    private Utf8JsonWriter Writer(IBufferWriter<byte> output)
    {
        if (_writer is null)
        {
            _writer = new Utf8JsonWriter(output, OpenAIWire.WriterOptions);
        }
        else
        {
            _writer.Reset(output);
        }

        return _writer;
    }

    private string ItemId(ItemKind kind, int index) => kind switch
    {
        ItemKind.Message => "msg_",
        ItemKind.FunctionCall => "fc_",
        _ => "rs_",
    } + _itemBase + index.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The response id: the upstream's own when it is one, else <c>resp_</c> before the upstream's id.</summary>
    private static string ResponseId(string? upstream) =>
        string.IsNullOrEmpty(upstream) ? "resp_" + Guid.NewGuid().ToString("N")
        : upstream.StartsWith("resp_", StringComparison.Ordinal) ? upstream
        : "resp_" + upstream;

    private static void Raw(IBufferWriter<byte> output, ReadOnlySpan<byte> bytes)
    {
        var span = output.GetSpan(bytes.Length);
        bytes.CopyTo(span);
        output.Advance(bytes.Length);
    }

    /// <summary>One output item: its text (message text, reasoning summary, or function arguments) grows until it closes.</summary>
    private sealed class OutputItem(ItemKind kind, int index, string id)
    {
        public ItemKind Kind { get; } = kind;

        public int Index { get; } = index;

        public string Id { get; } = id;

        public StringBuilder Text { get; } = new();

        public string? CallId { get; init; }

        public string? Name { get; init; }

        /// <summary>The reasoning carrier: the thinking signature, or redacted thinking behind the prefix.</summary>
        public string? Encrypted { get; set; }
    }
}
