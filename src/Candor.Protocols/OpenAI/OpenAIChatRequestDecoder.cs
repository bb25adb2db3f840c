using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using System.Text.Json.Nodes;
using Candor.Protocols.Canonical;
using Candor.Protocols.Codecs;

namespace Candor.Protocols.OpenAI;

/// <summary>Decodes a client's POST /v1/chat/completions body into the canonical request. Messages name
/// the offending parameter the way OpenAI does (<c>messages.[0].role</c>) and never quote user content.</summary>
public static class OpenAIChatRequestDecoder
{
    private const int MaxDepth = 256;

    /// <summary>Decodes the body (a pooled copy of it: callers holding the body in memory use the other overload, which
    /// parses it in place). On failure returns a 400 <see cref="RelayError"/> with <c>param</c> set.</summary>
    public static bool TryDecode(ReadOnlySpan<byte> body, [NotNullWhen(true)] out ChatRequest? request, [NotNullWhen(false)] out RelayError? error)
    {
        using var copy = JsonBody.Copy(body);
        return TryDecode(copy.Memory, out request, out error);
    }

    /// <summary>Decodes the body where it lies; <paramref name="body"/> must stay unchanged until the call returns.
    /// On failure returns a 400 <see cref="RelayError"/> with <c>param</c> set.</summary>
    public static bool TryDecode(ReadOnlyMemory<byte> body, [NotNullWhen(true)] out ChatRequest? request, [NotNullWhen(false)] out RelayError? error)
    {
        request = null;
        if (!InvalidText.IsText(body.Span))
        {
            error = InvalidText.Error;
            return false;
        }

        if (!JsonBody.TryParse(body, MaxDepth, out var doc))
        {
            error = InvalidJson();
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

            var result = new ChatRequest { SourceProtocol = WireProtocol.OpenAI };
            error = ReadTop(root, result);
            if (error is not null)
            {
                return false;
            }

            if (result.Model.Length == 0)
            {
                error = RelayError.BadRequest("you must provide a model parameter", "model");
                return false;
            }

            if (result.Messages.Count == 0)
            {
                error = root.TryGetProperty("messages", out _)
                    ? RelayError.BadRequest("Invalid 'messages': empty array. Expected an array with minimum length 1.", "messages")
                    : RelayError.BadRequest("Missing required parameter: 'messages'.", "messages");
                return false;
            }

            request = result;
            return true;
        }
    }

    internal static RelayError InvalidJson() =>
        RelayError.BadRequest("We could not parse the JSON body of your request. The body must be a valid JSON object.");

    internal static RelayError WrongType(string param, string expected) =>
        RelayError.BadRequest($"Invalid type for '{param}': expected {expected}.", param);

    internal static RelayError BadValue(string param, string expected) =>
        RelayError.BadRequest($"Invalid value for '{param}': expected {expected}.", param);

    private static RelayError? ReadTop(JsonElement root, ChatRequest r)
    {
        JsonElement? legacyFunctions = null;
        JsonElement? legacyFunctionCall = null;
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
                case "messages":
                    err = ReadMessages(v, r);
                    break;
                case "tools":
                    err = ReadTools(v, r, "tools", wrapped: true);
                    break;
                case "functions":
                    legacyFunctions = v;
                    break;
                case "tool_choice":
                    err = ReadToolChoice(v, r, "tool_choice");
                    break;
                case "function_call":
                    legacyFunctionCall = v;
                    break;
                case "parallel_tool_calls":
                    err = ReadBool(v, "parallel_tool_calls", out var ptc);
                    r.ParallelToolCalls = ptc;
                    break;
                case "response_format":
                    err = ReadResponseFormat(v, r);
                    break;
                case "max_tokens":
                case "max_completion_tokens":
                    err = ReadInt(v, prop.Name, out var max);
                    if (max is not null)
                    {
                        // max_completion_tokens supersedes the deprecated max_tokens when both are present.
                        if (r.MaxOutputTokens is null || prop.Name == "max_completion_tokens")
                        {
                            r.MaxOutputTokens = max;
                        }
                    }

                    break;
                case "temperature":
                    err = ReadDouble(v, "temperature", out var temp);
                    r.Temperature = temp;
                    break;
                case "top_p":
                    err = ReadDouble(v, "top_p", out var topP);
                    r.TopP = topP;
                    break;
                case "stop":
                    err = ReadStop(v, r);
                    break;
                case "seed":
                    if (v.ValueKind == JsonValueKind.Number && v.TryGetInt64(out long seed))
                    {
                        r.Seed = seed;
                    }
                    else if (v.ValueKind != JsonValueKind.Null)
                    {
                        err = WrongType("seed", "an integer");
                    }

                    break;
                case "n":
                    err = ReadInt(v, "n", out var n);
                    r.N = n;
                    break;
                case "presence_penalty":
                    err = ReadDouble(v, "presence_penalty", out var pp);
                    r.PresencePenalty = pp;
                    break;
                case "frequency_penalty":
                    err = ReadDouble(v, "frequency_penalty", out var fp);
                    r.FrequencyPenalty = fp;
                    break;
                case "logprobs":
                    err = ReadBool(v, "logprobs", out var lp);
                    r.Logprobs = lp;
                    break;
                case "top_logprobs":
                    err = ReadInt(v, "top_logprobs", out var tlp);
                    r.TopLogprobs = tlp;
                    break;
                case "user":
                    err = ReadString(v, "user", out var user);
                    r.User = user;
                    break;
                case "metadata":
                    err = ReadMetadata(v, r);
                    break;
                case "reasoning_effort":
                    err = ReadString(v, "reasoning_effort", out var effort);
                    r.ReasoningEffort = effort;
                    break;
                case "stream":
                    err = ReadBool(v, "stream", out var stream);
                    r.Stream = stream ?? false;
                    break;
                case "stream_options":
                    err = ReadStreamOptions(v, r);
                    break;
                default:
                    r.Unmapped ??= [];
                    r.Unmapped[prop.Name] = JsonNode.Parse(v.GetRawText());
                    break;
            }

            if (err is not null)
            {
                return err;
            }
        }

        // The deprecated functions/function_call pair maps onto tools when tools are not also given.
        if (legacyFunctions is { } fns && r.Tools.Count == 0)
        {
            var err = ReadTools(fns, r, "functions", wrapped: false);
            if (err is not null)
            {
                return err;
            }
        }

        if (legacyFunctionCall is { } fc && r.ToolChoice is null)
        {
            var err = ReadToolChoice(fc, r, "function_call");
            if (err is not null)
            {
                return err;
            }
        }

        return null;
    }

    private static RelayError? ReadMessages(JsonElement v, ChatRequest r)
    {
        if (v.ValueKind != JsonValueKind.Array)
        {
            return WrongType("messages", "an array");
        }

        int i = 0;
        foreach (var m in v.EnumerateArray())
        {
            string p = $"messages.[{i}]";
            if (m.ValueKind != JsonValueKind.Object)
            {
                return WrongType(p, "an object");
            }

            if (!m.TryGetProperty("role", out var roleEl))
            {
                return RelayError.BadRequest($"Missing required parameter: '{p}.role'.", $"{p}.role");
            }

            if (roleEl.ValueKind != JsonValueKind.String)
            {
                return WrongType($"{p}.role", "a string");
            }

            var err = roleEl.GetString() switch
            {
                "system" => ReadInstruction(m, ChatRole.System, p, r),
                "developer" => ReadInstruction(m, ChatRole.Developer, p, r),
                "user" => ReadUser(m, p, r),
                "assistant" => ReadAssistant(m, p, r),
                "tool" => ReadToolMessage(m, p, r),
                "function" => ReadFunctionMessage(m, p, r),
                _ => BadValue($"{p}.role", "one of 'system', 'developer', 'user', 'assistant', 'tool', 'function'"),
            };
            if (err is not null)
            {
                return err;
            }

            i++;
        }

        return null;
    }

    private static RelayError? ReadName(JsonElement m, string p, ChatMessage msg)
    {
        if (m.TryGetProperty("name", out var name) && name.ValueKind != JsonValueKind.Null)
        {
            if (name.ValueKind != JsonValueKind.String)
            {
                return WrongType($"{p}.name", "a string");
            }

            msg.Name = name.GetString();
        }

        return null;
    }

    private static RelayError? ReadInstruction(JsonElement m, ChatRole role, string p, ChatRequest r)
    {
        var msg = new ChatMessage(role);
        var err = ReadName(m, p, msg) ?? ReadTextContent(m, p, msg.Parts, required: true);
        r.Messages.Add(msg);
        return err;
    }

    private static RelayError? ReadUser(JsonElement m, string p, ChatRequest r)
    {
        var msg = new ChatMessage(ChatRole.User);
        var err = ReadName(m, p, msg);
        if (err is not null)
        {
            return err;
        }

        if (!m.TryGetProperty("content", out var content) || content.ValueKind == JsonValueKind.Null)
        {
            return RelayError.BadRequest($"Missing required parameter: '{p}.content'.", $"{p}.content");
        }

        if (content.ValueKind == JsonValueKind.String)
        {
            msg.Parts.Add(new TextPart(content.GetString()!));
        }
        else if (content.ValueKind == JsonValueKind.Array)
        {
            int j = 0;
            foreach (var part in content.EnumerateArray())
            {
                err = ReadUserPart(part, $"{p}.content.[{j}]", msg.Parts);
                if (err is not null)
                {
                    return err;
                }

                j++;
            }
        }
        else
        {
            return WrongType($"{p}.content", "a string or an array of content parts");
        }

        r.Messages.Add(msg);
        return null;
    }

    private static RelayError? ReadUserPart(JsonElement part, string p, List<ContentPart> parts)
    {
        if (part.ValueKind != JsonValueKind.Object || !part.TryGetProperty("type", out var typeEl) || typeEl.ValueKind != JsonValueKind.String)
        {
            return RelayError.BadRequest($"Missing required parameter: '{p}.type'.", $"{p}.type");
        }

        switch (typeEl.GetString())
        {
            case "text":
                if (!part.TryGetProperty("text", out var text) || text.ValueKind != JsonValueKind.String)
                {
                    return WrongType($"{p}.text", "a string");
                }

                parts.Add(new TextPart(text.GetString()!));
                return null;
            case "image_url":
                if (!part.TryGetProperty("image_url", out var img))
                {
                    return RelayError.BadRequest($"Missing required parameter: '{p}.image_url'.", $"{p}.image_url");
                }

                // Early clients sent image_url as a bare string.
                string? url = img.ValueKind == JsonValueKind.String ? img.GetString()
                    : img.ValueKind == JsonValueKind.Object && img.TryGetProperty("url", out var u) && u.ValueKind == JsonValueKind.String ? u.GetString()
                    : null;
                if (url is null)
                {
                    return WrongType($"{p}.image_url.url", "a string");
                }

                string? detail = img.ValueKind == JsonValueKind.Object && img.TryGetProperty("detail", out var d) && d.ValueKind == JsonValueKind.String ? d.GetString() : null;
                parts.Add(ImagePart.FromUrl(url, detail));
                return null;
            case "input_audio":
                if (!part.TryGetProperty("input_audio", out var audio) || audio.ValueKind != JsonValueKind.Object
                    || !audio.TryGetProperty("data", out var data) || data.ValueKind != JsonValueKind.String
                    || !audio.TryGetProperty("format", out var format) || format.ValueKind != JsonValueKind.String)
                {
                    return RelayError.BadRequest($"Invalid '{p}.input_audio': expected an object with string 'data' and 'format'.", $"{p}.input_audio");
                }

                parts.Add(new FilePart { MediaType = AudioMediaType(format.GetString()!), Base64Data = data.GetString() });
                return null;
            case "file":
                return ReadFilePart(part, p, parts);
            default:
                return BadValue($"{p}.type", "one of 'text', 'image_url', 'input_audio', 'file'");
        }
    }

    private static RelayError? ReadFilePart(JsonElement part, string p, List<ContentPart> parts)
    {
        if (!part.TryGetProperty("file", out var file) || file.ValueKind != JsonValueKind.Object)
        {
            return RelayError.BadRequest($"Missing required parameter: '{p}.file'.", $"{p}.file");
        }

        if (file.TryGetProperty("file_id", out var fileId) && fileId.ValueKind == JsonValueKind.String)
        {
            // File ids name objects in one OpenAI account; they mean nothing to any other upstream.
            return RelayError.BadRequest($"Invalid '{p}.file.file_id': uploaded file references are not supported by this relay; send the file inline as file_data.", $"{p}.file.file_id");
        }

        if (!file.TryGetProperty("file_data", out var fd) || fd.ValueKind != JsonValueKind.String)
        {
            return RelayError.BadRequest($"Missing required parameter: '{p}.file.file_data'.", $"{p}.file.file_data");
        }

        string? fileName = file.TryGetProperty("filename", out var fn) && fn.ValueKind == JsonValueKind.String ? fn.GetString() : null;
        string dataUrl = fd.GetString()!;
        var filePart = new FilePart { FileName = fileName };
        if (dataUrl.StartsWith("data:", StringComparison.OrdinalIgnoreCase))
        {
            var asImage = ImagePart.FromUrl(dataUrl);
            if (asImage.Base64Data is null)
            {
                return BadValue($"{p}.file.file_data", "a base64 data URL");
            }

            filePart.MediaType = asImage.MediaType;
            filePart.Base64Data = asImage.Base64Data;
        }
        else
        {
            // Bare base64: OpenAI accepts it for PDFs.
            filePart.MediaType = "application/pdf";
            filePart.Base64Data = dataUrl;
        }

        parts.Add(filePart);
        return null;
    }

    private static string AudioMediaType(string format) => format switch
    {
        "wav" => "audio/wav",
        "mp3" => "audio/mpeg",
        _ => "audio/" + format,
    };

    private static RelayError? ReadTextContent(JsonElement m, string p, List<ContentPart> parts, bool required)
    {
        if (!m.TryGetProperty("content", out var content) || content.ValueKind == JsonValueKind.Null)
        {
            return required ? RelayError.BadRequest($"Missing required parameter: '{p}.content'.", $"{p}.content") : null;
        }

        if (content.ValueKind == JsonValueKind.String)
        {
            parts.Add(new TextPart(content.GetString()!));
            return null;
        }

        if (content.ValueKind != JsonValueKind.Array)
        {
            return WrongType($"{p}.content", "a string or an array of text parts");
        }

        int j = 0;
        foreach (var part in content.EnumerateArray())
        {
            string pp = $"{p}.content.[{j}]";
            if (part.ValueKind != JsonValueKind.Object || !part.TryGetProperty("type", out var type) || type.ValueKind != JsonValueKind.String)
            {
                return RelayError.BadRequest($"Missing required parameter: '{pp}.type'.", $"{pp}.type");
            }

            // Assistant history may hold refusal parts; they are text for every other protocol.
            string field = type.GetString() switch
            {
                "text" => "text",
                "refusal" => "refusal",
                _ => "",
            };
            if (field.Length == 0)
            {
                return BadValue($"{pp}.type", "'text'");
            }

            if (!part.TryGetProperty(field, out var text) || text.ValueKind != JsonValueKind.String)
            {
                return WrongType($"{pp}.{field}", "a string");
            }

            parts.Add(new TextPart(text.GetString()!));
            j++;
        }

        return null;
    }

    private static RelayError? ReadAssistant(JsonElement m, string p, ChatRequest r)
    {
        var msg = new ChatMessage(ChatRole.Assistant);
        var err = ReadName(m, p, msg) ?? ReadTextContent(m, p, msg.Parts, required: false);
        if (err is not null)
        {
            return err;
        }

        // An empty content string beside tool calls means "no text"; other protocols reject empty text blocks.
        msg.Parts.RemoveAll(static p => p is TextPart { Text.Length: 0 });
        if (m.TryGetProperty("refusal", out var refusal) && refusal.ValueKind == JsonValueKind.String && msg.Parts.Count == 0)
        {
            msg.Parts.Add(new TextPart(refusal.GetString()!));
        }

        // DeepSeek/Qwen/Kimi clients echo the reasoning of earlier turns; it is kept as unsigned thinking
        // and written back only for upstreams that want it.
        if (m.TryGetProperty("reasoning_content", out var reasoning) && reasoning.ValueKind == JsonValueKind.String && reasoning.GetString() is { Length: > 0 } thought)
        {
            msg.Parts.Insert(0, new ThinkingPart(thought));
        }

        // Candor's reasoning_signature restores the signed blocks exactly, ahead of text and tool calls; its thinking
        // text replaces the unsigned reasoning_content, which the client may have shortened or dropped.
        if (m.TryGetProperty(OpenAIReasoning.Field, out var carrier) && carrier.ValueKind == JsonValueKind.String)
        {
            var blocks = new List<ContentPart>();
            if (OpenAIReasoning.TryDecode(carrier.GetString()!, blocks))
            {
                if (blocks.Exists(static b => b is ThinkingPart { Text.Length: > 0 }))
                {
                    msg.Parts.RemoveAll(static p => p is ThinkingPart);
                }

                msg.Parts.InsertRange(msg.Parts.FindLastIndex(static p => p is ThinkingPart) + 1, blocks);
            }
        }

        if (m.TryGetProperty("tool_calls", out var calls) && calls.ValueKind != JsonValueKind.Null)
        {
            if (calls.ValueKind != JsonValueKind.Array)
            {
                return WrongType($"{p}.tool_calls", "an array");
            }

            int j = 0;
            foreach (var call in calls.EnumerateArray())
            {
                string cp = $"{p}.tool_calls.[{j}]";
                if (call.ValueKind != JsonValueKind.Object
                    || !call.TryGetProperty("id", out var id) || id.ValueKind != JsonValueKind.String)
                {
                    return RelayError.BadRequest($"Missing required parameter: '{cp}.id'.", $"{cp}.id");
                }

                if (!call.TryGetProperty("function", out var fn) || fn.ValueKind != JsonValueKind.Object
                    || !fn.TryGetProperty("name", out var name) || name.ValueKind != JsonValueKind.String)
                {
                    return RelayError.BadRequest($"Missing required parameter: '{cp}.function.name'.", $"{cp}.function.name");
                }

                string args = fn.TryGetProperty("arguments", out var a) && a.ValueKind == JsonValueKind.String ? a.GetString()! : "{}";
                string callId = OpenAIReasoning.SplitId(id.GetString()!, out string? signature);
                if (signature is not null)
                {
                    // The call's own signature (Gemini's thoughtSignature) precedes it, as the upstream decoder gave it.
                    msg.Parts.Add(new ThinkingPart("") { Signature = signature });
                }

                msg.Parts.Add(new ToolCallPart(callId, name.GetString()!, args));
                j++;
            }
        }

        // The deprecated function_call carries no id; its name doubles as the id that the
        // following role "function" message answers.
        if (m.TryGetProperty("function_call", out var legacy) && legacy.ValueKind == JsonValueKind.Object
            && legacy.TryGetProperty("name", out var legacyName) && legacyName.ValueKind == JsonValueKind.String)
        {
            string args = legacy.TryGetProperty("arguments", out var a) && a.ValueKind == JsonValueKind.String ? a.GetString()! : "{}";
            msg.Parts.Add(new ToolCallPart(legacyName.GetString()!, legacyName.GetString()!, args));
        }

        r.Messages.Add(msg);
        return null;
    }

    private static RelayError? ReadToolMessage(JsonElement m, string p, ChatRequest r)
    {
        if (!m.TryGetProperty("tool_call_id", out var id) || id.ValueKind != JsonValueKind.String)
        {
            return RelayError.BadRequest($"Missing required parameter: '{p}.tool_call_id'.", $"{p}.tool_call_id");
        }

        var result = new ToolResultPart(OpenAIReasoning.SplitId(id.GetString()!, out _));
        var err = ReadTextContent(m, p, result.Content, required: true);
        var msg = new ChatMessage(ChatRole.Tool);
        msg.Parts.Add(result);
        r.Messages.Add(msg);
        return err;
    }

    private static RelayError? ReadFunctionMessage(JsonElement m, string p, ChatRequest r)
    {
        if (!m.TryGetProperty("name", out var name) || name.ValueKind != JsonValueKind.String)
        {
            return RelayError.BadRequest($"Missing required parameter: '{p}.name'.", $"{p}.name");
        }

        var result = new ToolResultPart(name.GetString()!) { Name = name.GetString() };
        var err = ReadTextContent(m, p, result.Content, required: false);
        var msg = new ChatMessage(ChatRole.Tool);
        msg.Parts.Add(result);
        r.Messages.Add(msg);
        return err;
    }

    internal static RelayError? ReadTools(JsonElement v, ChatRequest r, string param, bool wrapped)
    {
        if (v.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (v.ValueKind != JsonValueKind.Array)
        {
            return WrongType(param, "an array");
        }

        int i = 0;
        foreach (var t in v.EnumerateArray())
        {
            string p = $"{param}.[{i}]";
            JsonElement fn = t;
            if (wrapped)
            {
                if (t.ValueKind != JsonValueKind.Object || !t.TryGetProperty("type", out var type) || type.ValueKind != JsonValueKind.String)
                {
                    return RelayError.BadRequest($"Missing required parameter: '{p}.type'.", $"{p}.type");
                }

                if (!type.ValueEquals("function"u8))
                {
                    return BadValue($"{p}.type", "'function'");
                }

                if (!t.TryGetProperty("function", out fn) || fn.ValueKind != JsonValueKind.Object)
                {
                    return RelayError.BadRequest($"Missing required parameter: '{p}.function'.", $"{p}.function");
                }

                p += ".function";
            }

            if (fn.ValueKind != JsonValueKind.Object || !fn.TryGetProperty("name", out var name) || name.ValueKind != JsonValueKind.String)
            {
                return RelayError.BadRequest($"Missing required parameter: '{p}.name'.", $"{p}.name");
            }

            var def = new ToolDefinition(name.GetString()!);
            if (fn.TryGetProperty("description", out var desc) && desc.ValueKind == JsonValueKind.String)
            {
                def.Description = desc.GetString();
            }

            if (fn.TryGetProperty("parameters", out var parameters) && parameters.ValueKind != JsonValueKind.Null)
            {
                if (parameters.ValueKind != JsonValueKind.Object)
                {
                    return WrongType($"{p}.parameters", "an object");
                }

                def.Parameters = parameters.Clone();
            }

            if (fn.TryGetProperty("strict", out var strict))
            {
                var err = ReadBool(strict, $"{p}.strict", out var s);
                if (err is not null)
                {
                    return err;
                }

                def.Strict = s;
            }

            r.Tools.Add(def);
            i++;
        }

        return null;
    }

    private static RelayError? ReadToolChoice(JsonElement v, ChatRequest r, string param)
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
                    "required" when param == "tool_choice" => new ToolChoice(ToolChoiceMode.Required),
                    _ => null,
                };
                return r.ToolChoice is null ? BadValue(param, "'none', 'auto', 'required' or a named function") : null;
            case JsonValueKind.Object:
                // tool_choice: {type:function, function:{name}}; legacy function_call: {name}.
                var fn = v;
                if (param == "tool_choice")
                {
                    if (!v.TryGetProperty("type", out var type) || type.ValueKind != JsonValueKind.String || !type.ValueEquals("function"u8))
                    {
                        return BadValue($"{param}.type", "'function'");
                    }

                    if (!v.TryGetProperty("function", out fn) || fn.ValueKind != JsonValueKind.Object)
                    {
                        return RelayError.BadRequest($"Missing required parameter: '{param}.function'.", $"{param}.function");
                    }
                }

                if (!fn.TryGetProperty("name", out var name) || name.ValueKind != JsonValueKind.String)
                {
                    return RelayError.BadRequest($"Missing required parameter: '{param}.function.name'.", $"{param}.function.name");
                }

                r.ToolChoice = new ToolChoice(ToolChoiceMode.Specific, name.GetString());
                return null;
            default:
                return WrongType(param, "a string or an object");
        }
    }

    private static RelayError? ReadResponseFormat(JsonElement v, ChatRequest r)
    {
        if (v.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (v.ValueKind != JsonValueKind.Object || !v.TryGetProperty("type", out var type) || type.ValueKind != JsonValueKind.String)
        {
            return RelayError.BadRequest("Missing required parameter: 'response_format.type'.", "response_format.type");
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
                if (!v.TryGetProperty("json_schema", out var js) || js.ValueKind != JsonValueKind.Object)
                {
                    return RelayError.BadRequest("Missing required parameter: 'response_format.json_schema'.", "response_format.json_schema");
                }

                if (!js.TryGetProperty("name", out var name) || name.ValueKind != JsonValueKind.String)
                {
                    return RelayError.BadRequest("Missing required parameter: 'response_format.json_schema.name'.", "response_format.json_schema.name");
                }

                var rf = new ResponseFormat(ResponseFormatKind.JsonSchema) { SchemaName = name.GetString() };
                if (js.TryGetProperty("schema", out var schema) && schema.ValueKind == JsonValueKind.Object)
                {
                    rf.Schema = schema.Clone();
                }

                if (js.TryGetProperty("strict", out var strict))
                {
                    var err = ReadBool(strict, "response_format.json_schema.strict", out var s);
                    if (err is not null)
                    {
                        return err;
                    }

                    rf.Strict = s;
                }

                r.ResponseFormat = rf;
                return null;
            default:
                return BadValue("response_format.type", "one of 'text', 'json_object', 'json_schema'");
        }
    }

    internal static RelayError? ReadStop(JsonElement v, ChatRequest r)
    {
        if (v.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (v.ValueKind == JsonValueKind.String)
        {
            r.Stop.Add(v.GetString()!);
            return null;
        }

        if (v.ValueKind != JsonValueKind.Array)
        {
            return WrongType("stop", "a string or an array of strings");
        }

        foreach (var s in v.EnumerateArray())
        {
            if (s.ValueKind != JsonValueKind.String)
            {
                return WrongType("stop", "a string or an array of strings");
            }

            r.Stop.Add(s.GetString()!);
        }

        return null;
    }

    internal static RelayError? ReadMetadata(JsonElement v, ChatRequest r)
    {
        if (v.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (v.ValueKind != JsonValueKind.Object)
        {
            return WrongType("metadata", "an object");
        }

        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var kv in v.EnumerateObject())
        {
            if (kv.Value.ValueKind != JsonValueKind.String)
            {
                return WrongType($"metadata.{kv.Name}", "a string");
            }

            map[kv.Name] = kv.Value.GetString()!;
        }

        r.Metadata = map;
        return null;
    }

    internal static RelayError? ReadStreamOptions(JsonElement v, ChatRequest r)
    {
        if (v.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (v.ValueKind != JsonValueKind.Object)
        {
            return WrongType("stream_options", "an object");
        }

        if (v.TryGetProperty("include_usage", out var iu))
        {
            var err = ReadBool(iu, "stream_options.include_usage", out var include);
            if (err is not null)
            {
                return err;
            }

            r.IncludeUsage = include ?? false;
        }

        return null;
    }

    internal static RelayError? ReadBool(JsonElement v, string param, out bool? value)
    {
        value = v.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => null,
        };
        return value is null && v.ValueKind != JsonValueKind.Null ? WrongType(param, "a boolean") : null;
    }

    internal static RelayError? ReadInt(JsonElement v, string param, out int? value)
    {
        value = null;
        if (v.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out int i))
        {
            value = i;
            return null;
        }

        return WrongType(param, "an integer");
    }

    internal static RelayError? ReadDouble(JsonElement v, string param, out double? value)
    {
        value = null;
        if (v.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        // 1e400 reads as infinity, which no encoder can write.
        if (v.ValueKind == JsonValueKind.Number && double.IsFinite(v.GetDouble()))
        {
            value = v.GetDouble();
            return null;
        }

        return WrongType(param, "a number");
    }

    internal static RelayError? ReadString(JsonElement v, string param, out string? value)
    {
        value = null;
        if (v.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (v.ValueKind == JsonValueKind.String)
        {
            value = v.GetString();
            return null;
        }

        return WrongType(param, "a string");
    }
}
