using System.Text.Json;
using Candor.Protocols.Canonical;
using Candor.Protocols.Codecs;
using Candor.Protocols.Sse;

namespace Candor.Protocols.Anthropic;

/// <summary>Turns one Anthropic Messages answer (streamed or whole) into canonical events.
/// <para>Usage is normalised to the canonical convention: InputTokens = input_tokens +
/// cache_read_input_tokens + cache_creation_input_tokens; CachedInputTokens = cache reads;
/// CacheWriteInputTokens = cache writes; figures the upstream did not send stay null. Figures are
/// remembered across message_start and message_delta, so a later partial report still yields a correct
/// total; a zero input figure in message_delta does not override a positive one from message_start
/// (some Anthropic-compatible upstreams send 0 there).</para>
/// <para>ToolIndex counts tool_use blocks from 0. Server-tool blocks (server_tool_use,
/// web_search_tool_result…) and citations have no canonical form and are skipped. A streamed tool_use whose
/// arguments never arrived (a call without arguments: <c>input: {}</c> and one empty <c>partial_json</c>) gets
/// <c>{}</c> as its arguments when its block stops, as the whole answer's <c>input</c> gives, so that no client wire
/// sees an empty arguments string.</para></summary>
public sealed class AnthropicUpstreamDecoder : IChatUpstreamDecoder
{
    private readonly TimeProvider _time;
    private readonly List<int> _toolIndexOfBlock = [];
    private readonly HashSet<int> _toolsWithArguments = [];
    private int _toolCount;
    private int? _input;
    private int? _cacheRead;
    private int? _cacheWrite;
    private int? _output;

    /// <param name="timeProvider">Source of the created timestamp (Anthropic sends none).</param>
    public AnthropicUpstreamDecoder(TimeProvider? timeProvider = null)
    {
        _time = timeProvider ?? TimeProvider.System;
    }

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
        // Every event is parsed, pings included: the fast path relays only events that decoded, so a broken one
        // ends the stream with the error event instead of reaching a client that parses it.
        using var doc = JsonDocument.Parse(ev.Data);
        var root = doc.RootElement;
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new JsonException("An Anthropic stream event is not a JSON object.");
        }

        if (ev.EventType is "ping")
        {
            return true;
        }

        string? type = root.TryGetProperty("type"u8, out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : ev.EventType;
        switch (type)
        {
            case "message_start":
                if (root.TryGetProperty("message"u8, out var message) && message.ValueKind == JsonValueKind.Object)
                {
                    Start(message, output);
                }

                break;
            case "content_block_start":
                BlockStart(root, output);
                break;
            case "content_block_delta":
                BlockDelta(root, output);
                break;
            case "content_block_stop":
                BlockStop(root, output);
                break;
            case "message_delta":
                if (root.TryGetProperty("delta"u8, out var delta) && delta.ValueKind == JsonValueKind.Object)
                {
                    Finish(delta, output);
                }

                if (root.TryGetProperty("usage"u8, out var usage))
                {
                    ReadUsage(usage, fromDelta: true, output);
                }

                break;
            case "message_stop":
                return false;
            case "error":
                output.Add(new StreamFailed(ReadError(root)));
                break;
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
        var reader = new Utf8JsonReader(json);
        using var doc = JsonDocument.ParseValue(ref reader);
        var root = doc.RootElement;
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new JsonException("An Anthropic response is not a JSON object.");
        }

        if (IsString(root, "type", out string? type) && type == "error")
        {
            output.Add(new StreamFailed(ReadError(root)));
            return;
        }

        Start(root, output);
        if (root.TryGetProperty("content"u8, out var content) && content.ValueKind == JsonValueKind.Array)
        {
            foreach (var block in content.EnumerateArray())
            {
                if (block.ValueKind != JsonValueKind.Object || !IsString(block, "type", out string? blockType))
                {
                    continue;
                }

                switch (blockType)
                {
                    case "text":
                        if (IsString(block, "text", out string? text) && text.Length > 0)
                        {
                            output.Add(new TextDelta(0, text));
                        }

                        break;
                    case "thinking":
                        output.Add(new ThinkingDelta(0, IsString(block, "thinking", out string? thinking) ? thinking : ""));
                        if (IsString(block, "signature", out string? signature))
                        {
                            output.Add(new ThinkingDelta(0, "", signature));
                        }

                        break;
                    case "redacted_thinking":
                        output.Add(new RedactedThinkingBlock(0, IsString(block, "data", out string? data) ? data : ""));
                        break;
                    case "tool_use":
                        int toolIndex = _toolCount++;
                        output.Add(new ToolCallStarted(0, toolIndex, IsString(block, "id", out string? id) ? id : "", IsString(block, "name", out string? name) ? name : ""));
                        output.Add(new ToolCallArgumentsDelta(0, toolIndex, block.TryGetProperty("input"u8, out var input) ? input.GetRawText() : "{}"));
                        break;
                }
            }
        }

        Finish(root, output);
    }

    private void Start(JsonElement message, List<ChatEvent> output)
    {
        output.Add(new ResponseStarted(
            IsString(message, "id", out string? id) ? id : "",
            IsString(message, "model", out string? model) ? model : null,
            _time.GetUtcNow().ToUnixTimeSeconds()));
        if (message.TryGetProperty("usage"u8, out var usage))
        {
            ReadUsage(usage, fromDelta: false, output);
        }
    }

    private static void Finish(JsonElement holder, List<ChatEvent> output)
    {
        if (!IsString(holder, "stop_reason", out string? raw))
        {
            return;
        }

        output.Add(new ChoiceFinished(0, AnthropicWire.FromStopReason(raw), raw, IsString(holder, "stop_sequence", out string? stop) ? stop : null));
    }

    private void BlockStart(JsonElement root, List<ChatEvent> output)
    {
        int index = root.TryGetProperty("index"u8, out var i) && i.TryGetInt32(out int n) ? n : _toolIndexOfBlock.Count;
        if (!root.TryGetProperty("content_block"u8, out var block) || block.ValueKind != JsonValueKind.Object || !IsString(block, "type", out string? type))
        {
            return;
        }

        int toolIndex = -1;
        switch (type)
        {
            case "text":
                if (IsString(block, "text", out string? text) && text.Length > 0)
                {
                    output.Add(new TextDelta(0, text));
                }

                break;
            case "thinking":
                if (IsString(block, "thinking", out string? thinking) && thinking.Length > 0)
                {
                    output.Add(new ThinkingDelta(0, thinking));
                }

                if (IsString(block, "signature", out string? signature) && signature.Length > 0)
                {
                    output.Add(new ThinkingDelta(0, "", signature));
                }

                break;
            case "redacted_thinking":
                output.Add(new RedactedThinkingBlock(0, IsString(block, "data", out string? data) ? data : ""));
                break;
            case "tool_use":
                toolIndex = _toolCount++;
                output.Add(new ToolCallStarted(0, toolIndex, IsString(block, "id", out string? id) ? id : "", IsString(block, "name", out string? name) ? name : ""));
                if (block.TryGetProperty("input"u8, out var input) && input.ValueKind == JsonValueKind.Object && input.EnumerateObject().Any())
                {
                    output.Add(new ToolCallArgumentsDelta(0, toolIndex, input.GetRawText()));
                    _toolsWithArguments.Add(toolIndex);
                }

                break;
        }

        while (_toolIndexOfBlock.Count <= index)
        {
            _toolIndexOfBlock.Add(-1);
        }

        _toolIndexOfBlock[index] = toolIndex;
    }

    private void BlockDelta(JsonElement root, List<ChatEvent> output)
    {
        if (!root.TryGetProperty("delta"u8, out var delta) || delta.ValueKind != JsonValueKind.Object || !IsString(delta, "type", out string? type))
        {
            return;
        }

        switch (type)
        {
            case "text_delta":
                if (IsString(delta, "text", out string? text) && text.Length > 0)
                {
                    output.Add(new TextDelta(0, text));
                }

                break;
            case "thinking_delta":
                if (IsString(delta, "thinking", out string? thinking) && thinking.Length > 0)
                {
                    output.Add(new ThinkingDelta(0, thinking));
                }

                break;
            case "signature_delta":
                if (IsString(delta, "signature", out string? signature))
                {
                    output.Add(new ThinkingDelta(0, "", signature));
                }

                break;
            case "input_json_delta":
                int index = root.TryGetProperty("index"u8, out var i) && i.TryGetInt32(out int n) ? n : -1;
                if (index >= 0 && index < _toolIndexOfBlock.Count && _toolIndexOfBlock[index] >= 0
                    && IsString(delta, "partial_json", out string? fragment) && fragment.Length > 0)
                {
                    output.Add(new ToolCallArgumentsDelta(0, _toolIndexOfBlock[index], fragment));
                    _toolsWithArguments.Add(_toolIndexOfBlock[index]);
                }

                break;
        }
    }

    /// <summary>A tool_use block that stops without a single argument fragment called its tool with no arguments: <c>{}</c>.</summary>
    private void BlockStop(JsonElement root, List<ChatEvent> output)
    {
        int index = root.TryGetProperty("index"u8, out var i) && i.TryGetInt32(out int n) ? n : -1;
        if (index >= 0 && index < _toolIndexOfBlock.Count && _toolIndexOfBlock[index] is int toolIndex and >= 0 && _toolsWithArguments.Add(toolIndex))
        {
            output.Add(new ToolCallArgumentsDelta(0, toolIndex, "{}"));
        }
    }

    private void ReadUsage(JsonElement usage, bool fromDelta, List<ChatEvent> output)
    {
        if (usage.ValueKind != JsonValueKind.Object)
        {
            return;
        }

        int? input = IntOf(usage, "input_tokens");
        int? read = IntOf(usage, "cache_read_input_tokens");
        int? write = IntOf(usage, "cache_creation_input_tokens");
        if (fromDelta && input == 0 && _input > 0)
        {
            input = null;
        }

        _input = input ?? _input;
        _cacheRead = read ?? _cacheRead;
        _cacheWrite = write ?? _cacheWrite;
        _output = IntOf(usage, "output_tokens") ?? _output;
        output.Add(new UsageReported(new Usage
        {
            InputTokens = _input is int n ? n + (_cacheRead ?? 0) + (_cacheWrite ?? 0) : null,
            CachedInputTokens = _cacheRead,
            CacheWriteInputTokens = _cacheWrite,
            OutputTokens = _output,
        }));
    }

    private static RelayError ReadError(JsonElement root)
    {
        string? type = root.TryGetProperty("error"u8, out var error) && error.ValueKind == JsonValueKind.Object && IsString(error, "type", out string? t) ? t : null;
        return UpstreamErrors.FromStatus(AnthropicErrors.StatusOf(type), type, null);
    }

    private static int? IntOf(JsonElement obj, string name) =>
        obj.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out int n) ? n : null;

    private static bool IsString(JsonElement obj, string name, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out string? value)
    {
        if (obj.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String)
        {
            value = v.GetString()!;
            return true;
        }

        value = null;
        return false;
    }
}
