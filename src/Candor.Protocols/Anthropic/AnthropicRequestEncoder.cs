using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Candor.Protocols.Canonical;

namespace Candor.Protocols.Anthropic;

/// <summary>Writes a canonical request as an Anthropic Messages body for an upstream.
/// <list type="bullet">
/// <item><c>max_tokens</c> is required by Anthropic: <see cref="ChatRequest.MaxOutputTokens"/>, else
/// <see cref="DefaultMaxTokens"/> (plus the thinking budget when thinking is on, since max_tokens must
/// exceed budget_tokens).</item>
/// <item>System and developer messages, wherever they stand, are hoisted in order into <c>system</c>: a
/// string when it is one plain text, else text blocks (with their <c>cache_control</c>). A request from an Anthropic
/// client keeps its mid-conversation system messages (<c>role: "system"</c> inside <c>messages</c>, after the first
/// turn) in place, with their message-level attributes.</item>
/// <item>Tool-role messages become user messages of <c>tool_result</c> blocks; consecutive messages of
/// the same Anthropic role are merged (Anthropic requires alternation), and in a merged user message the
/// tool_result blocks come first, as Anthropic requires.</item>
/// <item>Tool-call arguments are written as the <c>input</c> object; arguments that are not a JSON object
/// (a model that produced broken JSON) are written as <c>{}</c>, since Anthropic rejects anything else.</item>
/// <item>Thinking parts without a signature (reasoning from another provider) are left out: Anthropic
/// rejects unsigned thinking blocks. Empty text parts are left out (Anthropic rejects them).</item>
/// <item>Manual thinking (<c>thinking: {type: "enabled"}</c>) is left out, with the thinking blocks of the final
/// assistant turn, when that turn calls a tool but does not start with a signed thinking (or redacted_thinking) block
/// (<see cref="OmitsThinking"/>): Anthropic refuses such a request ("a final assistant message must start with a
/// thinking block"), and a client that sends no reasoning back (the AI SDK's OpenAI chat provider) cannot give the
/// signature, which is never invented. Adaptive thinking accepts such a turn and is kept.</item>
/// <item>temperature is clamped to Anthropic's range [0, 1]. seed, presence/frequency penalties and
/// OpenAI metadata have no Anthropic equivalent and are not sent. OpenAI reasoning_effort maps to a
/// thinking budget (low 1024, medium 2048, high 4096; minimal means no thinking) when no budget is set, shrunk below the
/// client's own max_tokens when that is smaller (Anthropic requires budget_tokens &lt; max_tokens), down to
/// <see cref="MinThinkingBudget"/>; a request from another surface whose limit leaves no room for its budget is refused
/// (<see cref="CheckSupported"/>).</item>
/// <item>response_format json_schema becomes Anthropic structured outputs
/// (<c>output_config.format = {"type":"json_schema","schema":…}</c>). json_object (or json_schema without a schema)
/// has no Anthropic equivalent: it is served by one more <c>system</c> text, <see cref="JsonObjectInstruction"/>
/// (listed on the receipt through <see cref="Codecs.WireProfile.Emulated"/>).</item>
/// <item>When the request came from the Anthropic surface, <see cref="ChatRequest.Unmapped"/> and part
/// <see cref="ContentPart.Extra"/> are written back, and a verbatim <c>Unmapped["tools"]</c>,
/// <c>Unmapped["thinking"]</c> or <c>Unmapped["output_config"]</c> replaces the rebuilt field.</item>
/// </list></summary>
public static class AnthropicRequestEncoder
{
    /// <summary>max_tokens sent when the client gave none.</summary>
    public const int DefaultMaxTokens = 4096;

    /// <summary>The smallest <c>budget_tokens</c> Anthropic accepts for manual thinking.</summary>
    public const int MinThinkingBudget = 1024;

    /// <summary>The writer options to use for the body: relaxed escaping, so that opaque strings such as
    /// thinking signatures (base64 with '+') reach the upstream byte for byte as the client sent them.</summary>
    public static JsonWriterOptions WriterOptions => AnthropicWire.WriterOptions;

    /// <summary>The system text that serves OpenAI's JSON mode (response_format json_object, or json_schema without a
    /// schema), which Anthropic has no parameter for: appended after the client's own system text.</summary>
    public const string JsonObjectInstruction =
        "Respond with one valid JSON object and nothing else: no prose before or after it, and no Markdown code fence.";

    /// <summary>True when the request asks for JSON output without a schema, which the encoder serves with
    /// <see cref="JsonObjectInstruction"/>.</summary>
    public static bool EmulatesJsonObject(ChatRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return request.ResponseFormat is { Kind: ResponseFormatKind.JsonObject } or { Kind: ResponseFormatKind.JsonSchema, Schema: null };
    }

    /// <summary>Returns a 400 for what an Anthropic upstream cannot do, else null.</summary>
    public static RelayError? CheckSupported(ChatRequest request)
    {
        if (request.N is > 1)
        {
            return RelayError.BadRequest("n > 1 is not supported by Anthropic upstreams.", "n");
        }

        if (request.Logprobs == true)
        {
            return RelayError.BadRequest("logprobs is not supported by Anthropic upstreams.", "logprobs");
        }

        // Anthropic refuses budget_tokens >= max_tokens. An Anthropic client's own request is left to its upstream (the
        // interleaved-thinking beta lifts the rule); a request translated from another surface is refused here, before
        // anything is sent, when its limit leaves no room for the thinking budget (an effort's budget shrinks to fit first).
        if (request.SourceProtocol != WireProtocol.Anthropic && request.MaxOutputTokens is int max
            && ThinkingBudget(request) is int budget && max <= budget && !OmitsThinking(request))
        {
            return RelayError.BadRequest(
                $"The output limit ({max}) must be greater than the thinking budget ({budget}) for Anthropic upstreams: raise the limit or lower the reasoning.",
                "max_tokens");
        }

        foreach (var m in request.Messages)
        {
            if (m.Role is ChatRole.System or ChatRole.Developer && m.Parts.Exists(static p => p is not TextPart))
            {
                return RelayError.BadRequest("System messages may hold only text for Anthropic upstreams.", "messages");
            }
        }

        return null;
    }

    /// <summary>True when the request asks for manual thinking (a thinking budget, a reasoning effort, or an Anthropic
    /// client's own <c>thinking: {type: "enabled"}</c>) while its final assistant turn (the assistant messages after the
    /// last user message that is not only tool results: a tool loop is one turn) calls a tool and does not start with a
    /// signed thinking or a redacted_thinking block. Anthropic refuses manual thinking for such a turn, so the encoder
    /// leaves <c>thinking</c> out of that request (listed on the receipt through <see cref="Codecs.WireProfile.Omitted"/>).</summary>
    public static bool OmitsThinking(ChatRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        bool anthropic = request.SourceProtocol == WireProtocol.Anthropic;
        bool manual = HasVerbatim(request, anthropic, "thinking")
            ? request.Unmapped!["thinking"] is JsonObject verbatim && (string?)verbatim["type"] == "enabled"
            : ThinkingBudget(request) is not null;
        if (!manual)
        {
            return false;
        }

        var messages = request.Messages;
        ContentPart? first = null;
        bool calls = false;
        for (int i = FinalTurnStart(request) + 1; i < messages.Count; i++)
        {
            if (messages[i].Role != ChatRole.Assistant)
            {
                continue;
            }

            foreach (var part in messages[i].Parts)
            {
                first ??= IsWritable(part) ? part : null;
                calls |= part is ToolCallPart;
            }
        }

        return calls && first is not (ThinkingPart or RedactedThinkingPart);
    }

    /// <summary>The index of the last user message that holds more than tool results (the start of the final assistant
    /// turn); -1 when there is none.</summary>
    private static int FinalTurnStart(ChatRequest request) =>
        request.Messages.FindLastIndex(static m => m.Role == ChatRole.User && (m.Parts.Count == 0 || m.Parts.Exists(static p => p is not ToolResultPart)));

    /// <summary>The <c>max_tokens</c> the encoder sends: the client's own, else <see cref="DefaultMaxTokens"/> plus the thinking
    /// budget it sends (the client's, or the one its reasoning effort maps to), since max_tokens must exceed budget_tokens.</summary>
    public static int MaxTokens(ChatRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return request.MaxOutputTokens ?? (ThinkingBudget(request) is int b ? b + DefaultMaxTokens : DefaultMaxTokens);
    }

    /// <summary>What the encoder makes of an OpenAI-style <c>reasoning_effort</c> (a request without a thinking budget of its
    /// own, whose thinking is not left out for the turn, <see cref="OmitsThinking"/>): <c>"high -> thinking_budget 4096"</c>,
    /// or <c>"minimal -> no thinking"</c> for an effort that maps to none; null when the request carries no such effort.</summary>
    public static string? ReasoningMapping(ChatRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.ReasoningEffort is not { } effort || request.ThinkingBudget is not null || OmitsThinking(request)
            || HasVerbatim(request, request.SourceProtocol == WireProtocol.Anthropic, "thinking"))
        {
            return null;
        }

        return ThinkingBudget(request) is int budget
            ? effort + " -> thinking_budget " + budget.ToString(System.Globalization.CultureInfo.InvariantCulture)
            : effort + " -> no thinking";
    }

    /// <summary>Writes the <c>POST /v1/messages</c> body.</summary>
    public static void Write(ChatRequest request, string upstreamModel, Utf8JsonWriter writer)
    {
        bool anthropic = request.SourceProtocol == WireProtocol.Anthropic;
        bool omitThinking = OmitsThinking(request);
        writer.WriteStartObject();
        writer.WriteString("model"u8, upstreamModel);
        int? budget = ThinkingBudget(request);
        writer.WriteNumber("max_tokens"u8, MaxTokens(request));
        WriteSystem(request, writer, anthropic);
        WriteMessages(request, writer, anthropic, omitThinking);
        WriteTools(request, writer, anthropic);
        if (request.Stop.Count > 0)
        {
            writer.WriteStartArray("stop_sequences"u8);
            foreach (var s in request.Stop)
            {
                writer.WriteStringValue(s);
            }

            writer.WriteEndArray();
        }

        if (request.Temperature is double t)
        {
            writer.WriteNumber("temperature"u8, Math.Clamp(t, 0, 1));
        }

        if (request.TopP is double p)
        {
            writer.WriteNumber("top_p"u8, p);
        }

        if (request.TopK is int k)
        {
            writer.WriteNumber("top_k"u8, k);
        }

        if (request.User is not null)
        {
            writer.WriteStartObject("metadata"u8);
            writer.WriteString("user_id"u8, request.User);
            writer.WriteEndObject();
        }

        if (!omitThinking && !HasVerbatim(request, anthropic, "thinking"))
        {
            WriteThinking(budget, writer);
        }

        WriteOutputConfig(request, writer, anthropic);

        if (request.Stream)
        {
            writer.WriteBoolean("stream"u8, true);
        }

        if (anthropic)
        {
            WriteUnmapped(request.Unmapped, writer, omitThinking ? static name => name != "thinking" : static _ => true);
        }

        writer.WriteEndObject();
    }

    /// <summary>Writes the <c>POST /v1/messages/count_tokens</c> body (model, system, messages, tools,
    /// tool_choice, thinking; no sampling parameters).</summary>
    public static void WriteCountTokens(ChatRequest request, string upstreamModel, Utf8JsonWriter writer)
    {
        bool anthropic = request.SourceProtocol == WireProtocol.Anthropic;
        bool omitThinking = OmitsThinking(request);
        writer.WriteStartObject();
        writer.WriteString("model"u8, upstreamModel);
        WriteSystem(request, writer, anthropic);
        WriteMessages(request, writer, anthropic, omitThinking);
        WriteTools(request, writer, anthropic);
        if (!omitThinking && !HasVerbatim(request, anthropic, "thinking"))
        {
            WriteThinking(ThinkingBudget(request), writer);
        }

        WriteOutputConfig(request, writer, anthropic);
        if (anthropic)
        {
            // Only the fields count_tokens accepts; a messages-only field such as service_tier would be rejected.
            WriteUnmapped(request.Unmapped, writer, omitThinking
                ? static name => name is "output_config" or "cache_control" or "mcp_servers" or "context_management"
                : static name => name is "thinking" or "output_config" or "cache_control" or "mcp_servers" or "context_management");
        }

        writer.WriteEndObject();
    }

    private static void WriteOutputConfig(ChatRequest request, Utf8JsonWriter writer, bool anthropic)
    {
        if (HasVerbatim(request, anthropic, "output_config") || request.ResponseFormat is not { Kind: ResponseFormatKind.JsonSchema, Schema: { } schema })
        {
            return;
        }

        writer.WriteStartObject("output_config"u8);
        writer.WriteStartObject("format"u8);
        writer.WriteString("type"u8, "json_schema"u8);
        writer.WritePropertyName("schema"u8);
        schema.WriteTo(writer);
        writer.WriteEndObject();
        writer.WriteEndObject();
    }

    private static bool HasVerbatim(ChatRequest request, bool anthropic, string name) =>
        anthropic && request.Unmapped is { } unmapped && unmapped.ContainsKey(name);

    private static int? ThinkingBudget(ChatRequest request)
    {
        if (request.ThinkingBudget is int own)
        {
            return own;
        }

        int? mapped = request.ReasoningEffort switch
        {
            "low" => MinThinkingBudget,
            "medium" => 2048,
            "high" => 4096,
            _ => null,
        };

        // An effort is a hint, not a figure: its budget shrinks to fit under the client's own limit, down to Anthropic's
        // smallest budget (below that, CheckSupported refuses the request).
        return mapped is int b && request.MaxOutputTokens is int max && max <= b && max - 1 >= MinThinkingBudget ? max - 1 : mapped;
    }

    private static void WriteThinking(int? budget, Utf8JsonWriter writer)
    {
        if (budget is int b)
        {
            writer.WriteStartObject("thinking"u8);
            writer.WriteString("type"u8, "enabled"u8);
            writer.WriteNumber("budget_tokens"u8, b);
            writer.WriteEndObject();
        }
    }

    private static void WriteUnmapped(JsonObject? unmapped, Utf8JsonWriter writer, Func<string, bool> allowed)
    {
        if (unmapped is null)
        {
            return;
        }

        foreach (var (name, value) in unmapped)
        {
            if (name is "tools" || !allowed(name) || IsModelled(name))
            {
                continue;
            }

            writer.WritePropertyName(name);
            if (value is null)
            {
                writer.WriteNullValue();
            }
            else
            {
                value.WriteTo(writer);
            }
        }
    }

    private static bool IsModelled(string name) => name is "model" or "max_tokens" or "system" or "messages" or "tool_choice"
        or "stop_sequences" or "temperature" or "top_p" or "top_k" or "metadata" or "stream";

    private static void WriteSystem(ChatRequest request, Utf8JsonWriter writer, bool anthropic)
    {
        TextPart? single = null;
        int count = 0;
        int firstTurn = FirstTurn(request);
        for (int i = 0; i < request.Messages.Count; i++)
        {
            var m = request.Messages[i];
            if (m.Role is ChatRole.System or ChatRole.Developer && !InPlace(m, i, firstTurn, anthropic))
            {
                foreach (var part in m.Parts)
                {
                    if (part is TextPart tp)
                    {
                        single = tp;
                        count++;
                    }
                }
            }
        }

        bool jsonMode = EmulatesJsonObject(request);
        if (count == 0 && !jsonMode)
        {
            return;
        }

        if (count + (jsonMode ? 1 : 0) == 1)
        {
            if (jsonMode)
            {
                writer.WriteString("system"u8, JsonObjectInstruction);
                return;
            }

            if (single!.Extra is null || !anthropic)
            {
                writer.WriteString("system"u8, single.Text);
                return;
            }
        }

        writer.WriteStartArray("system"u8);
        for (int i = 0; i < request.Messages.Count; i++)
        {
            var m = request.Messages[i];
            if (m.Role is ChatRole.System or ChatRole.Developer && !InPlace(m, i, firstTurn, anthropic))
            {
                foreach (var part in m.Parts)
                {
                    if (part is TextPart tp && tp.Text.Length > 0)
                    {
                        writer.WriteStartObject();
                        writer.WriteString("type"u8, "text"u8);
                        writer.WriteString("text"u8, tp.Text);
                        WriteExtra(tp, writer, anthropic);
                        writer.WriteEndObject();
                    }
                }
            }
        }

        if (jsonMode)
        {
            writer.WriteStartObject();
            writer.WriteString("type"u8, "text"u8);
            writer.WriteString("text"u8, JsonObjectInstruction);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
    }

    /// <summary>Writes <c>messages</c>. When thinking is left out of the request (<see cref="OmitsThinking"/>), so are the
    /// final turn's thinking blocks: one assistant turn does not mix thinking modes.</summary>
    private static void WriteMessages(ChatRequest request, Utf8JsonWriter writer, bool anthropic, bool omitThinking)
    {
        writer.WriteStartArray("messages"u8);
        var messages = request.Messages;
        int i = 0;
        var group = new List<ContentPart>();
        var ids = new ToolIds();
        int firstTurn = FirstTurn(request);
        int unthinking = omitThinking ? FinalTurnStart(request) : messages.Count;
        while (i < messages.Count)
        {
            if (messages[i].Role is ChatRole.System or ChatRole.Developer)
            {
                if (InPlace(messages[i], i, firstTurn, anthropic))
                {
                    WriteSystemMessage(messages[i], writer);
                }

                i++;
                continue;
            }

            bool assistant = messages[i].Role == ChatRole.Assistant;
            group.Clear();
            while (i < messages.Count && (messages[i].Role is ChatRole.System or ChatRole.Developer || (messages[i].Role == ChatRole.Assistant) == assistant)
                && !InPlace(messages[i], i, firstTurn, anthropic))
            {
                var m = messages[i];
                if (m.Role == ChatRole.Tool)
                {
                    // An OpenAI-style tool message: ToolResultParts go as they are; plain parts are the
                    // output of the call named by the message.
                    group.AddRange(m.Parts.Where(static p => p is ToolResultPart));
                    if (m.Parts.Count == 0 || m.Parts.Exists(static p => p is not ToolResultPart))
                    {
                        group.Add(ToolResultFromToolMessage(m));
                    }
                }
                else if (m.Role == ChatRole.Assistant && i > unthinking)
                {
                    group.AddRange(m.Parts.Where(static p => p is not (ThinkingPart or RedactedThinkingPart)));
                }
                else if (m.Role is not (ChatRole.System or ChatRole.Developer))
                {
                    group.AddRange(m.Parts);
                }

                i++;
            }

            if (!assistant)
            {
                // Anthropic wants tool_result blocks before any other block of the user turn.
                var results = group.Where(static p => p is ToolResultPart).ToList();
                if (results.Count > 0 && results.Count < group.Count)
                {
                    var rest = group.Where(static p => p is not ToolResultPart).ToList();
                    group.Clear();
                    group.AddRange(results);
                    group.AddRange(rest);
                }
            }

            WriteMessage(assistant, group, writer, anthropic, ids);
        }

        writer.WriteEndArray();
    }

    /// <summary>The index of the first message that is not a system or developer message (the count when there is none).</summary>
    private static int FirstTurn(ChatRequest request)
    {
        int i = request.Messages.FindIndex(static m => m.Role is not (ChatRole.System or ChatRole.Developer));
        return i < 0 ? request.Messages.Count : i;
    }

    /// <summary>A system message an Anthropic client sent inside <c>messages</c> (after the first turn) stays there.</summary>
    private static bool InPlace(ChatMessage message, int index, int firstTurn, bool anthropic) =>
        anthropic && index > firstTurn && message.Role == ChatRole.System;

    /// <summary>Writes a mid-conversation system message: <c>{"role":"system","content":…}</c> with its message-level
    /// attributes (cache_control).</summary>
    private static void WriteSystemMessage(ChatMessage message, Utf8JsonWriter writer)
    {
        writer.WriteStartObject();
        writer.WriteString("role"u8, "system"u8);
        var texts = message.Parts.OfType<TextPart>().Where(static t => t.Text.Length > 0).ToList();
        if (texts.Count == 1 && texts[0].Extra is null)
        {
            writer.WriteString("content"u8, texts[0].Text);
        }
        else
        {
            writer.WriteStartArray("content"u8);
            foreach (var t in texts)
            {
                writer.WriteStartObject();
                writer.WriteString("type"u8, "text"u8);
                writer.WriteString("text"u8, t.Text);
                WriteExtra(t, writer, anthropic: true);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
        }

        if (message.Extra is { ValueKind: JsonValueKind.Object } extra)
        {
            foreach (var p in extra.EnumerateObject())
            {
                p.WriteTo(writer);
            }
        }

        writer.WriteEndObject();
    }

    /// <summary>A Tool-role message (OpenAI wire) carries its call id in <see cref="ChatMessage.Name"/>
    /// or in a ToolResultPart; when the parts are plain text the message becomes one tool_result.</summary>
    private static ToolResultPart ToolResultFromToolMessage(ChatMessage m)
    {
        var result = new ToolResultPart(m.Name ?? "");
        foreach (var part in m.Parts)
        {
            if (part is not ToolResultPart)
            {
                result.Content.Add(part);
            }
        }

        return result;
    }

    private static void WriteMessage(bool assistant, List<ContentPart> parts, Utf8JsonWriter writer, bool anthropic, ToolIds ids)
    {
        int writable = 0;
        foreach (var p in parts)
        {
            if (IsWritable(p))
            {
                writable++;
            }
        }

        if (writable == 0)
        {
            return;
        }

        writer.WriteStartObject();
        writer.WriteString("role"u8, assistant ? "assistant"u8 : "user"u8);
        if (writable == 1 && parts.Find(IsWritable) is TextPart { Extra: null } only)
        {
            writer.WriteString("content"u8, only.Text);
        }
        else
        {
            writer.WriteStartArray("content"u8);
            foreach (var p in parts)
            {
                if (IsWritable(p))
                {
                    WriteBlock(p, writer, anthropic, ids);
                }
            }

            writer.WriteEndArray();
        }

        writer.WriteEndObject();
    }

    private static bool IsWritable(ContentPart p) => p switch
    {
        TextPart t => t.Text.Length > 0,
        ThinkingPart th => th.Signature is not null,
        _ => true,
    };

    private static void WriteBlock(ContentPart part, Utf8JsonWriter writer, bool anthropic, ToolIds ids)
    {
        writer.WriteStartObject();
        switch (part)
        {
            case TextPart t:
                writer.WriteString("type"u8, "text"u8);
                writer.WriteString("text"u8, t.Text);
                break;
            case ImagePart img:
                writer.WriteString("type"u8, "image"u8);
                WriteSource(img.Url, img.MediaType, img.Base64Data, writer);
                break;
            case FilePart f:
                writer.WriteString("type"u8, "document"u8);
                if (f.Url is null && string.Equals(f.MediaType, "text/plain", StringComparison.OrdinalIgnoreCase) && f.Base64Data is not null)
                {
                    writer.WriteStartObject("source"u8);
                    writer.WriteString("type"u8, "text"u8);
                    writer.WriteString("media_type"u8, "text/plain"u8);
                    writer.WriteString("data"u8, Encoding.UTF8.GetString(Convert.FromBase64String(f.Base64Data)));
                    writer.WriteEndObject();
                }
                else
                {
                    WriteSource(f.Url, f.MediaType, f.Base64Data, writer);
                }

                if (f.FileName is not null)
                {
                    writer.WriteString("title"u8, f.FileName);
                }

                break;
            case ToolCallPart call:
                writer.WriteString("type"u8, "tool_use"u8);
                writer.WriteString("id"u8, ids.ForCall(call));
                writer.WriteString("name"u8, call.Name);
                writer.WritePropertyName("input"u8);
                AnthropicWire.WriteArgumentsObject(call.ArgumentsJson, writer);
                break;
            case ToolResultPart result:
                writer.WriteString("type"u8, "tool_result"u8);
                writer.WriteString("tool_use_id"u8, ids.ForResult(result));
                WriteToolResultContent(result, writer, anthropic, ids);
                if (result.IsError)
                {
                    writer.WriteBoolean("is_error"u8, true);
                }

                break;
            case ThinkingPart th:
                writer.WriteString("type"u8, "thinking"u8);
                writer.WriteString("thinking"u8, th.Text);
                writer.WriteString("signature"u8, th.Signature);
                break;
            case RedactedThinkingPart r:
                writer.WriteString("type"u8, "redacted_thinking"u8);
                writer.WriteString("data"u8, r.Data);
                break;
        }

        WriteExtra(part, writer, anthropic);
        writer.WriteEndObject();
    }

    private static void WriteToolResultContent(ToolResultPart result, Utf8JsonWriter writer, bool anthropic, ToolIds ids)
    {
        var content = result.Content.Where(IsWritable).ToList();
        if (content.Count == 0)
        {
            return;
        }

        if (content.Count == 1 && content[0] is TextPart { Extra: null } only)
        {
            writer.WriteString("content"u8, only.Text);
            return;
        }

        writer.WriteStartArray("content"u8);
        foreach (var p in content)
        {
            if (p is TextPart or ImagePart or FilePart)
            {
                WriteBlock(p, writer, anthropic, ids);
            }
        }

        writer.WriteEndArray();
    }

    private static void WriteSource(string? url, string? mediaType, string? base64, Utf8JsonWriter writer)
    {
        writer.WriteStartObject("source"u8);
        if (url is not null)
        {
            writer.WriteString("type"u8, "url"u8);
            writer.WriteString("url"u8, url);
        }
        else
        {
            writer.WriteString("type"u8, "base64"u8);
            writer.WriteString("media_type"u8, mediaType);
            writer.WriteString("data"u8, base64);
        }

        writer.WriteEndObject();
    }

    private static void WriteExtra(ContentPart part, Utf8JsonWriter writer, bool anthropic)
    {
        if (!anthropic || part.Extra is not { ValueKind: JsonValueKind.Object } extra)
        {
            return;
        }

        foreach (var p in extra.EnumerateObject())
        {
            p.WriteTo(writer);
        }
    }

    private static void WriteTools(ChatRequest request, Utf8JsonWriter writer, bool anthropic)
    {
        bool hasTools;
        if (anthropic && request.Unmapped?["tools"] is JsonArray verbatim)
        {
            writer.WritePropertyName("tools"u8);
            verbatim.WriteTo(writer);
            hasTools = verbatim.Count > 0;
        }
        else if (request.Tools.Count > 0)
        {
            writer.WriteStartArray("tools"u8);
            foreach (var tool in request.Tools)
            {
                writer.WriteStartObject();
                writer.WriteString("name"u8, tool.Name);
                if (tool.Description is not null)
                {
                    writer.WriteString("description"u8, tool.Description);
                }

                writer.WritePropertyName("input_schema"u8);
                if (tool.Parameters is { ValueKind: JsonValueKind.Object } schema)
                {
                    schema.WriteTo(writer);
                }
                else
                {
                    writer.WriteStartObject();
                    writer.WriteString("type"u8, "object"u8);
                    writer.WriteStartObject("properties"u8);
                    writer.WriteEndObject();
                    writer.WriteEndObject();
                }

                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            hasTools = true;
        }
        else
        {
            hasTools = false;
        }

        // Anthropic accepts tool_choice only alongside tools.
        if (!hasTools || (request.ToolChoice is null && request.ParallelToolCalls != false))
        {
            return;
        }

        writer.WriteStartObject("tool_choice"u8);
        var choice = request.ToolChoice ?? new ToolChoice(ToolChoiceMode.Auto);
        switch (choice.Mode)
        {
            case ToolChoiceMode.Auto:
                writer.WriteString("type"u8, "auto"u8);
                break;
            case ToolChoiceMode.Required:
                writer.WriteString("type"u8, "any"u8);
                break;
            case ToolChoiceMode.None:
                writer.WriteString("type"u8, "none"u8);
                break;
            case ToolChoiceMode.Specific:
                writer.WriteString("type"u8, "tool"u8);
                writer.WriteString("name"u8, choice.Name);
                break;
        }

        if (request.ParallelToolCalls is bool parallel && choice.Mode != ToolChoiceMode.None)
        {
            writer.WriteBoolean("disable_parallel_tool_use"u8, !parallel);
        }

        writer.WriteEndObject();
    }

    /// <summary>Makes tool ids acceptable to Anthropic (<c>^[a-zA-Z0-9_-]+$</c>): other characters (some
    /// OpenAI-compatible vendors use ids like <c>functions.f:0</c>) become '_', the same way for the call and
    /// its result; calls without an id (Gemini) get <c>toolu_candor_N</c>, and results without an id are
    /// paired with the oldest unanswered id-less call of the same name (else the oldest one).</summary>
    private sealed class ToolIds
    {
        private readonly List<(string Name, string Id)> _pending = [];
        private int _next;

        public string ForCall(ToolCallPart call)
        {
            if (call.Id.Length > 0)
            {
                return Sanitize(call.Id);
            }

            string id = "toolu_candor_" + _next++.ToString(System.Globalization.CultureInfo.InvariantCulture);
            _pending.Add((call.Name, id));
            return id;
        }

        public string ForResult(ToolResultPart result)
        {
            if (result.ToolCallId.Length > 0)
            {
                return Sanitize(result.ToolCallId);
            }

            int index = _pending.FindIndex(p => p.Name == result.Name);
            if (index < 0)
            {
                index = _pending.Count > 0 ? 0 : -1;
            }

            if (index < 0)
            {
                return "toolu_candor_unpaired";
            }

            string id = _pending[index].Id;
            _pending.RemoveAt(index);
            return id;
        }

        private static string Sanitize(string id)
        {
            foreach (char c in id)
            {
                if (!char.IsAsciiLetterOrDigit(c) && c is not ('_' or '-'))
                {
                    return string.Create(id.Length, id, static (span, source) =>
                    {
                        for (int k = 0; k < source.Length; k++)
                        {
                            char ch = source[k];
                            span[k] = char.IsAsciiLetterOrDigit(ch) || ch is '_' or '-' ? ch : '_';
                        }
                    });
                }
            }

            return id;
        }
    }
}
