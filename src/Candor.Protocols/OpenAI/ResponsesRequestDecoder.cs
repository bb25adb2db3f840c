using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using System.Text.Json.Nodes;
using Candor.Protocols.Canonical;
using Candor.Protocols.Codecs;
using static Candor.Protocols.OpenAI.OpenAIChatRequestDecoder;

namespace Candor.Protocols.OpenAI;

/// <summary>Decodes a client's POST /v1/responses body (OpenAI's Responses API) into the canonical request.
/// <list type="bullet">
/// <item><c>input</c> as a string (one user message) or as items: messages (<c>input_text</c>, <c>input_image</c>,
/// <c>input_file</c>, <c>output_text</c>, <c>refusal</c>), <c>function_call</c>, <c>function_call_output</c> and
/// <c>reasoning</c> items; <c>instructions</c> becomes the leading system message. Consecutive assistant-side items
/// (reasoning, output messages, function calls) form one assistant turn, each function output a tool message.</item>
/// <item>A reasoning item's <c>encrypted_content</c> is the opaque carrier <see cref="ResponsesWire"/> wrote: a
/// thinking signature, or redacted thinking behind <see cref="ResponsesWire.RedactedPrefix"/>.</item>
/// <item>Only function tools translate; built-in tools, <c>item_reference</c> and every field that needs state kept
/// by the server (<c>store: true</c>, <c>previous_response_id</c>, <c>conversation</c>, <c>background</c>,
/// <c>prompt</c>) are refused with a 400 that says why: Candor keeps no conversation state.</item>
/// </list>
/// Messages name the offending parameter as OpenAI does (<c>input[2].type</c>) and never quote user content.</summary>
public static class ResponsesRequestDecoder
{
    private const int MaxDepth = 256;

    /// <summary>Decodes a body held as a span (a pooled copy is parsed).</summary>
    public static bool TryDecode(ReadOnlySpan<byte> body, [NotNullWhen(true)] out ChatRequest? request, [NotNullWhen(false)] out RelayError? error)
    {
        using var copy = JsonBody.Copy(body);
        return TryDecode(copy.Memory, out request, out error);
    }

    /// <summary>Decodes the body where it lies; <paramref name="body"/> must stay unchanged until the call returns.
    /// On failure returns a 400 <see cref="RelayError"/> with <c>param</c> set.</summary>
    public static bool TryDecode(ReadOnlyMemory<byte> body, [NotNullWhen(true)] out ChatRequest? request, [NotNullWhen(false)] out RelayError? error) =>
        TryDecode(body, deferState: false, out request, out error);

    /// <summary>As <see cref="TryDecode(ReadOnlyMemory{byte}, out ChatRequest?, out RelayError?)"/>, but what needs state
    /// kept by the server (<c>store: true</c>, <c>previous_response_id</c>, <c>conversation</c>, <c>prompt</c>,
    /// <c>background: true</c>, <c>item_reference</c> items) and what runs on OpenAI's servers (built-in and custom tools,
    /// their items and a <c>tool_choice</c> naming one) is left out of the canonical request and recorded in
    /// <see cref="ChatRequest.ServerState"/> instead of refused: the relay serves it only on the same-wire path to an
    /// upstream that keeps the state.</summary>
    public static bool TryDecodeDeferringState(ReadOnlyMemory<byte> body, [NotNullWhen(true)] out ChatRequest? request, [NotNullWhen(false)] out RelayError? error) =>
        TryDecode(body, deferState: true, out request, out error);

    private static bool TryDecode(ReadOnlyMemory<byte> body, bool deferState, [NotNullWhen(true)] out ChatRequest? request, [NotNullWhen(false)] out RelayError? error)
    {
        request = null;
        if (!InvalidText.IsText(body.Span))
        {
            error = InvalidText.Error;
            return false;
        }

        if (!JsonBody.TryParse(body, MaxDepth, out var doc))
        {
            error = RelayError.BadRequest("We could not parse the JSON body of your request. The body must be a valid JSON object.");
            return false;
        }

        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                error = RelayError.BadRequest("The request body must be a JSON object.");
                return false;
            }

            var result = new ChatRequest { SourceProtocol = WireProtocol.OpenAIResponses, DefersServerState = deferState };
            error = ReadTop(root, result);
            if (error is not null)
            {
                return false;
            }

            if (result.Model.Length == 0)
            {
                error = RelayError.BadRequest("Missing required parameter: 'model'.", "model");
                return false;
            }

            if (result.ServerState is null && !result.Messages.Exists(static m => m.Role is not (ChatRole.System or ChatRole.Developer)))
            {
                error = RelayError.BadRequest("Missing required parameter: 'input'.", "input");
                return false;
            }

            request = result;
            return true;
        }
    }

    /// <summary>A type word quoted in a message only when it looks like one (a short identifier), so that a message
    /// never carries arbitrary client text.</summary>
    private static string Named(string? word) =>
        word is { Length: > 0 and <= 64 } && word.All(static c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.') ? $" ('{word}')" : "";

    /// <summary>The zero-retention refusal, or (for a caller that defers it) null with the refusal kept in
    /// <see cref="ChatRequest.ServerState"/>.</summary>
    private static RelayError? NoState(ChatRequest r, string param, string detail)
    {
        return SameWireOnly(r, ResponsesWire.NoState(param, detail));
    }

    /// <summary>A refusal that the same-wire path does not need: returned, or kept for the relay by a caller that defers it.</summary>
    private static RelayError? SameWireOnly(ChatRequest r, RelayError refusal)
    {
        if (!r.DefersServerState)
        {
            return refusal;
        }

        r.ServerState ??= refusal;
        return null;
    }

    private static RelayError Missing(string param) => RelayError.BadRequest($"Missing required parameter: '{param}'.", param);

    private static RelayError? ReadTop(JsonElement root, ChatRequest r)
    {
        // Instructions lead the conversation whatever their place in the body.
        if (root.TryGetProperty("instructions", out var instructions) && instructions.ValueKind != JsonValueKind.Null)
        {
            if (instructions.ValueKind != JsonValueKind.String)
            {
                return WrongType("instructions", "a string");
            }

            r.Messages.Add(ChatMessage.Text(ChatRole.System, instructions.GetString()!));
        }

        foreach (var prop in root.EnumerateObject())
        {
            var v = prop.Value;
            RelayError? err = null;
            switch (prop.Name)
            {
                case "model":
                    if (v.ValueKind != JsonValueKind.String)
                    {
                        return WrongType("model", "a string");
                    }

                    r.Model = v.GetString()!;
                    break;
                case "input":
                    err = ReadInput(v, r);
                    break;
                case "instructions":
                    break;
                case "tools":
                    err = ReadTools(v, r);
                    break;
                case "tool_choice":
                    err = ReadToolChoice(v, r);
                    break;
                case "parallel_tool_calls":
                    err = ReadBool(v, "parallel_tool_calls", out var ptc);
                    r.ParallelToolCalls = ptc;
                    break;
                case "text":
                    err = ReadText(v, r);
                    break;
                case "max_output_tokens":
                    err = ReadInt(v, "max_output_tokens", out var max);
                    r.MaxOutputTokens = max;
                    break;
                case "temperature":
                    err = ReadDouble(v, "temperature", out var temperature);
                    r.Temperature = temperature;
                    break;
                case "top_p":
                    err = ReadDouble(v, "top_p", out var topP);
                    r.TopP = topP;
                    break;
                case "user":
                    err = ReadString(v, "user", out var user);
                    r.User = user ?? r.User;
                    break;
                case "safety_identifier":
                    err = ReadString(v, "safety_identifier", out var safety);
                    r.User ??= safety;
                    break;
                case "metadata":
                    err = ReadMetadata(v, r);
                    break;
                case "reasoning":
                    err = ReadReasoning(v, r);
                    break;
                case "stream":
                    err = ReadBool(v, "stream", out var stream);
                    r.Stream = stream ?? false;
                    break;
                case "include":
                    err = ReadInclude(v, r);
                    break;
                case "store":
                    err = ReadBool(v, "store", out var store);
                    if (err is null && store == true)
                    {
                        err = NoState(r, "store", "'store: true' asks Candor to keep this response; send 'store: false' (or omit it)");
                    }

                    break;
                case "previous_response_id":
                case "conversation":
                case "prompt":
                    if (v.ValueKind != JsonValueKind.Null)
                    {
                        err = NoState(r, prop.Name, $"'{prop.Name}' refers to state kept on the server; send the whole conversation in 'input'");
                    }

                    break;
                case "background":
                    err = ReadBool(v, "background", out var background);
                    if (err is null && background == true)
                    {
                        err = NoState(r, "background", "'background: true' needs a response kept for later retrieval; send 'background: false'");
                    }

                    break;
                default:
                    // truncation, service_tier, prompt_cache_key, stream_options, top_logprobs, max_tool_calls…: no
                    // canonical meaning; they do not change what a translated upstream is asked.
                    break;
            }

            if (err is not null)
            {
                return err;
            }
        }

        return null;
    }

    private static RelayError? ReadInput(JsonElement v, ChatRequest r)
    {
        if (v.ValueKind == JsonValueKind.String)
        {
            r.Messages.Add(ChatMessage.Text(ChatRole.User, v.GetString()!));
            return null;
        }

        if (v.ValueKind != JsonValueKind.Array)
        {
            return WrongType("input", "a string or an array of input items");
        }

        int i = 0;
        foreach (var item in v.EnumerateArray())
        {
            string p = $"input[{i}]";
            if (item.ValueKind != JsonValueKind.Object)
            {
                return WrongType(p, "an object");
            }

            string? type = item.TryGetProperty("type", out var typeEl) && typeEl.ValueKind == JsonValueKind.String ? typeEl.GetString() : null;
            var err = type switch
            {
                // An item with a role and no type is the "easy" message form.
                null or "message" => ReadMessage(item, p, r),
                "function_call" => ReadFunctionCall(item, p, r),
                "function_call_output" => ReadFunctionOutput(item, p, r),
                "reasoning" => ReadReasoningItem(item, p, r),
                "item_reference" => NoState(r, $"{p}.type", "an 'item_reference' names an item kept on the server; send the item itself"),
                _ => SameWireOnly(r, RelayError.BadRequest(
                    $"Invalid value for '{p}.type': Candor translates message, function_call, function_call_output and reasoning items; other items{Named(type)} belong to tools it does not run.",
                    $"{p}.type")),
            };
            if (err is not null)
            {
                return err;
            }

            i++;
        }

        return null;
    }

    private static RelayError? ReadMessage(JsonElement item, string p, ChatRequest r)
    {
        if (!item.TryGetProperty("role", out var roleEl) || roleEl.ValueKind != JsonValueKind.String)
        {
            return Missing($"{p}.role");
        }

        ChatRole? role = roleEl.GetString() switch
        {
            "user" => ChatRole.User,
            "assistant" => ChatRole.Assistant,
            "system" => ChatRole.System,
            "developer" => ChatRole.Developer,
            _ => null,
        };
        if (role is not { } known)
        {
            return BadValue($"{p}.role", "one of 'user', 'assistant', 'system', 'developer'");
        }

        if (!item.TryGetProperty("content", out var content))
        {
            return Missing($"{p}.content");
        }

        var msg = known == ChatRole.Assistant ? AssistantTurn(r) : new ChatMessage(known);
        var err = ReadContent(content, $"{p}.content", msg.Parts);
        if (known != ChatRole.Assistant)
        {
            r.Messages.Add(msg);
        }

        return err;
    }

    /// <summary>The assistant message the next assistant-side item belongs to: the last message when it is one.</summary>
    private static ChatMessage AssistantTurn(ChatRequest r)
    {
        if (r.Messages.Count > 0 && r.Messages[^1].Role == ChatRole.Assistant)
        {
            return r.Messages[^1];
        }

        var msg = new ChatMessage(ChatRole.Assistant);
        r.Messages.Add(msg);
        return msg;
    }

    private static RelayError? ReadContent(JsonElement content, string p, List<ContentPart> parts)
    {
        if (content.ValueKind == JsonValueKind.String)
        {
            parts.Add(new TextPart(content.GetString()!));
            return null;
        }

        if (content.ValueKind != JsonValueKind.Array)
        {
            return WrongType(p, "a string or an array of content parts");
        }

        int i = 0;
        foreach (var part in content.EnumerateArray())
        {
            string pp = $"{p}[{i}]";
            if (part.ValueKind != JsonValueKind.Object || !part.TryGetProperty("type", out var type) || type.ValueKind != JsonValueKind.String)
            {
                return Missing($"{pp}.type");
            }

            RelayError? err = null;
            switch (type.GetString())
            {
                case "input_text":
                case "output_text":
                case "text":
                    err = RequiredString(part, "text", pp, out var text);
                    if (text is not null)
                    {
                        parts.Add(new TextPart(text));
                    }

                    break;
                case "refusal":
                    err = RequiredString(part, "refusal", pp, out var refusal);
                    if (refusal is not null)
                    {
                        parts.Add(new TextPart(refusal));
                    }

                    break;
                case "input_image":
                    err = ReadImage(part, pp, parts);
                    break;
                case "input_file":
                    err = ReadFile(part, pp, parts);
                    break;
                default:
                    err = BadValue($"{pp}.type", "one of 'input_text', 'input_image', 'input_file', 'output_text', 'refusal'");
                    break;
            }

            if (err is not null)
            {
                return err;
            }

            i++;
        }

        return null;
    }

    private static RelayError? ReadImage(JsonElement part, string p, List<ContentPart> parts)
    {
        string? detail = part.TryGetProperty("detail", out var d) && d.ValueKind == JsonValueKind.String ? d.GetString() : null;
        if (part.TryGetProperty("image_url", out var url) && url.ValueKind == JsonValueKind.String)
        {
            parts.Add(ImagePart.FromUrl(url.GetString()!, detail is "auto" ? null : detail));
            return null;
        }

        return part.TryGetProperty("file_id", out var id) && id.ValueKind == JsonValueKind.String
            ? ResponsesWire.NoState($"{p}.file_id", "a 'file_id' names a file uploaded to OpenAI; send the image as 'image_url' (an http(s) or data: URL)")
            : Missing($"{p}.image_url");
    }

    private static RelayError? ReadFile(JsonElement part, string p, List<ContentPart> parts)
    {
        string? name = part.TryGetProperty("filename", out var n) && n.ValueKind == JsonValueKind.String ? n.GetString() : null;
        if (part.TryGetProperty("file_data", out var data) && data.ValueKind == JsonValueKind.String)
        {
            // file_data is a data: URL (the SDKs' form) or bare base64.
            var image = ImagePart.FromUrl(data.GetString()!);
            parts.Add(image.Base64Data is not null
                ? new FilePart { MediaType = image.MediaType, Base64Data = image.Base64Data, FileName = name }
                : new FilePart { MediaType = "application/pdf", Base64Data = data.GetString(), FileName = name });
            return null;
        }

        if (part.TryGetProperty("file_url", out var url) && url.ValueKind == JsonValueKind.String)
        {
            parts.Add(new FilePart { Url = url.GetString(), FileName = name });
            return null;
        }

        return part.TryGetProperty("file_id", out var id) && id.ValueKind == JsonValueKind.String
            ? ResponsesWire.NoState($"{p}.file_id", "a 'file_id' names a file uploaded to OpenAI; send the file as 'file_data' or 'file_url'")
            : Missing($"{p}.file_data");
    }

    private static RelayError? ReadFunctionCall(JsonElement item, string p, ChatRequest r)
    {
        string? name = null, arguments = null;
        var err = RequiredString(item, "call_id", p, out var callId) ?? RequiredString(item, "name", p, out name)
            ?? RequiredString(item, "arguments", p, out arguments);
        if (err is not null)
        {
            return err;
        }

        AssistantTurn(r).Parts.Add(new ToolCallPart(callId!, name!, arguments!.Length == 0 ? "{}" : arguments));
        return null;
    }

    private static RelayError? ReadFunctionOutput(JsonElement item, string p, ChatRequest r)
    {
        var err = RequiredString(item, "call_id", p, out var callId);
        if (err is not null)
        {
            return err;
        }

        if (!item.TryGetProperty("output", out var output))
        {
            return Missing($"{p}.output");
        }

        var result = new ToolResultPart(callId!);
        err = ReadContent(output, $"{p}.output", result.Content);
        if (err is not null)
        {
            return err;
        }

        var msg = new ChatMessage(ChatRole.Tool);
        msg.Parts.Add(result);
        r.Messages.Add(msg);
        return null;
    }

    private static RelayError? ReadReasoningItem(JsonElement item, string p, ChatRequest r)
    {
        string? encrypted = item.TryGetProperty("encrypted_content", out var enc) && enc.ValueKind == JsonValueKind.String ? enc.GetString() : null;
        var text = new System.Text.StringBuilder();
        foreach (var name in (ReadOnlySpan<string>)["summary", "content"])
        {
            if (!item.TryGetProperty(name, out var list) || list.ValueKind == JsonValueKind.Null)
            {
                continue;
            }

            if (list.ValueKind != JsonValueKind.Array)
            {
                return WrongType($"{p}.{name}", "an array");
            }

            foreach (var part in list.EnumerateArray())
            {
                if (part.ValueKind == JsonValueKind.Object && part.TryGetProperty("text", out var t) && t.ValueKind == JsonValueKind.String)
                {
                    text.Append(t.GetString());
                }
            }

            // The raw reasoning text, when given, is the thinking itself; the summary only stands in for it.
            if (name == "content" && text.Length > 0)
            {
                break;
            }
        }

        if (encrypted is not null && encrypted.StartsWith(ResponsesWire.RedactedPrefix, StringComparison.Ordinal))
        {
            AssistantTurn(r).Parts.Add(new RedactedThinkingPart(encrypted[ResponsesWire.RedactedPrefix.Length..]));
            return null;
        }

        if (text.Length == 0 && encrypted is null)
        {
            // An empty reasoning item (an upstream that reasons privately): nothing to carry.
            return null;
        }

        AssistantTurn(r).Parts.Add(new ThinkingPart(text.ToString()) { Signature = encrypted });
        return null;
    }

    /// <summary>Function tools are flat (<c>{type, name, description, parameters, strict}</c>): once every type is
    /// checked, the chat decoder's reader of unwrapped functions reads them.</summary>
    private static RelayError? ReadTools(JsonElement v, ChatRequest r)
    {
        if (v.ValueKind != JsonValueKind.Array)
        {
            return v.ValueKind == JsonValueKind.Null ? null : WrongType("tools", "an array");
        }

        int i = 0;
        foreach (var t in v.EnumerateArray())
        {
            string p = $"tools[{i++}]";
            if (t.ValueKind != JsonValueKind.Object || !t.TryGetProperty("type", out var type) || type.ValueKind != JsonValueKind.String)
            {
                return Missing($"{p}.type");
            }

            if (!type.ValueEquals("function"u8))
            {
                // Served only by an upstream that speaks the Responses API itself; the canonical request keeps the functions.
                if (SameWireOnly(r, RelayError.BadRequest(
                    $"Invalid value for '{p}.type': Candor translates function tools only; built-in tools{Named(type.GetString())} run on OpenAI's servers and are not supported.",
                    $"{p}.type")) is { } refusal)
                {
                    return refusal;
                }
            }
        }

        return r.ServerState is null ? OpenAIChatRequestDecoder.ReadTools(v, r, "tools", wrapped: false) : ReadFunctionTools(v, r);
    }

    /// <summary>The function tools of a list that also holds others (read for the same-wire path, which forwards the list).</summary>
    private static RelayError? ReadFunctionTools(JsonElement v, ChatRequest r)
    {
        var functions = new JsonArray();
        foreach (var t in v.EnumerateArray())
        {
            if (t.TryGetProperty("type", out var type) && type.ValueEquals("function"u8))
            {
                functions.Add(JsonNode.Parse(t.GetRawText()));
            }
        }

        using var doc = JsonDocument.Parse(functions.ToJsonString());
        return OpenAIChatRequestDecoder.ReadTools(doc.RootElement, r, "tools", wrapped: false);
    }

    private static RelayError? ReadToolChoice(JsonElement v, ChatRequest r)
    {
        switch (v.ValueKind)
        {
            case JsonValueKind.Null:
                return null;
            case JsonValueKind.String:
                r.ToolChoice = v.GetString() switch
                {
                    "none" => new ToolChoice(ToolChoiceMode.None),
                    "auto" => new ToolChoice(ToolChoiceMode.Auto),
                    "required" => new ToolChoice(ToolChoiceMode.Required),
                    _ => null,
                };
                return r.ToolChoice is null ? BadValue("tool_choice", "'none', 'auto', 'required' or a named function") : null;
            case JsonValueKind.Object:
                if (!v.TryGetProperty("type", out var type) || type.ValueKind != JsonValueKind.String || !type.ValueEquals("function"u8))
                {
                    return SameWireOnly(r, BadValue("tool_choice.type", "'function' (Candor translates function tools only)"));
                }

                var err = RequiredString(v, "name", "tool_choice", out var name);
                if (err is not null)
                {
                    return err;
                }

                r.ToolChoice = new ToolChoice(ToolChoiceMode.Specific, name);
                return null;
            default:
                return WrongType("tool_choice", "a string or an object");
        }
    }

    private static RelayError? ReadText(JsonElement v, ChatRequest r)
    {
        if (v.ValueKind == JsonValueKind.Null || !v.TryGetProperty("format", out var format) || format.ValueKind == JsonValueKind.Null)
        {
            return v.ValueKind is JsonValueKind.Null or JsonValueKind.Object ? null : WrongType("text", "an object");
        }

        if (format.ValueKind != JsonValueKind.Object || !format.TryGetProperty("type", out var type) || type.ValueKind != JsonValueKind.String)
        {
            return Missing("text.format.type");
        }

        switch (type.GetString())
        {
            case "text":
                r.ResponseFormat = new ResponseFormat(ResponseFormatKind.Text);
                return null;
            case "json_object":
                r.ResponseFormat = new ResponseFormat(ResponseFormatKind.JsonObject);
                return null;
            case "json_schema":
                var err = RequiredString(format, "name", "text.format", out var name);
                if (err is not null)
                {
                    return err;
                }

                var rf = new ResponseFormat(ResponseFormatKind.JsonSchema) { SchemaName = name };
                if (!format.TryGetProperty("schema", out var schema) || schema.ValueKind != JsonValueKind.Object)
                {
                    return Missing("text.format.schema");
                }

                rf.Schema = schema.Clone();
                if (format.TryGetProperty("strict", out var strict))
                {
                    err = ReadBool(strict, "text.format.strict", out var s);
                    if (err is not null)
                    {
                        return err;
                    }

                    rf.Strict = s;
                }

                r.ResponseFormat = rf;
                return null;
            default:
                return BadValue("text.format.type", "one of 'text', 'json_object', 'json_schema'");
        }
    }

    private static RelayError? ReadReasoning(JsonElement v, ChatRequest r)
    {
        if (v.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (v.ValueKind != JsonValueKind.Object)
        {
            return WrongType("reasoning", "an object");
        }

        if (v.TryGetProperty("effort", out var effort))
        {
            var err = ReadString(effort, "reasoning.effort", out var e);
            if (err is not null)
            {
                return err;
            }

            r.ReasoningEffort = e;
        }

        return null;
    }

    private static RelayError? ReadInclude(JsonElement v, ChatRequest r)
    {
        if (v.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (v.ValueKind != JsonValueKind.Array)
        {
            return WrongType("include", "an array of strings");
        }

        foreach (var s in v.EnumerateArray())
        {
            if (s.ValueKind != JsonValueKind.String)
            {
                return WrongType("include", "an array of strings");
            }

            if (s.ValueEquals(ResponsesWire.IncludeEncryptedReasoning))
            {
                // The encoder reads this back; encoders of other wires never write a Responses request's unmapped fields.
                r.Unmapped ??= [];
                r.Unmapped[ResponsesWire.IncludeEncryptedReasoning] = JsonValue.Create(true);
            }
        }

        return null;
    }

    private static RelayError? RequiredString(JsonElement obj, string name, string p, out string? value)
    {
        value = null;
        if (!obj.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null)
        {
            return Missing($"{p}.{name}");
        }

        if (v.ValueKind != JsonValueKind.String)
        {
            return WrongType($"{p}.{name}", "a string");
        }

        value = v.GetString();
        return null;
    }
}
