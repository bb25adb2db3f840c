using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Candor.Protocols.Canonical;
using Candor.Protocols.Codecs;

namespace Candor.Protocols.Anthropic;

/// <summary>Reads an Anthropic Messages request (<c>POST /v1/messages</c> and
/// <c>POST /v1/messages/count_tokens</c>) into the canonical model.
/// <list type="bullet">
/// <item><c>system</c> (string or text blocks) becomes one leading System message; block attributes
/// without a canonical meaning (<c>cache_control</c>, <c>citations</c>…) are kept in
/// <see cref="ContentPart.Extra"/> as a JSON object of those properties.</item>
/// <item>A <c>role: "system"</c> message inside <c>messages</c> (a mid-conversation system message: text only, with an
/// optional message-level <c>cache_control</c>, kept in <see cref="ChatMessage.Extra"/>) becomes a System message at its
/// place in the conversation; the Anthropic request encoder writes it back there, other encoders treat it as any
/// system message (OpenAI: a system or developer message in place; Gemini: systemInstruction).</item>
/// <item><c>tool_result</c> blocks stay inside their User message as <see cref="ToolResultPart"/>.</item>
/// <item>Thinking signatures and redacted thinking data are kept untouched.</item>
/// <item>Custom tools become <see cref="ChatRequest.Tools"/>. When the <c>tools</c> array holds anything a
/// <see cref="ToolDefinition"/> cannot carry (server tools such as <c>web_search_…</c>, or attributes such
/// as <c>cache_control</c>), the whole array is also kept verbatim in <c>Unmapped["tools"]</c>; the
/// Anthropic request encoder then writes that array as it came, so cache breakpoints and server tools
/// survive. Other encoders see only the custom tools.</item>
/// <item>Unknown top-level fields (service_tier, container, mcp_servers…) go to
/// <see cref="ChatRequest.Unmapped"/> verbatim; a <c>thinking</c> object of a type other than
/// enabled/disabled goes there too.</item>
/// </list>
/// Errors are 400s that name the field, never its content.</summary>
public static class AnthropicRequestDecoder
{
    // Tool schemas nest deeply; the reader default of 64 would reject legitimate requests.
    private const int MaxDepth = 256;

    private static readonly JsonDocumentOptions DocumentOptions = new() { MaxDepth = MaxDepth };

    /// <summary>Decodes a <c>POST /v1/messages</c> body (a pooled copy of it; see the overload that parses it in place).</summary>
    public static bool TryDecode(ReadOnlySpan<byte> body, [NotNullWhen(true)] out ChatRequest? request, [NotNullWhen(false)] out RelayError? error)
    {
        using var copy = JsonBody.Copy(body);
        return TryDecodeCore(copy.Memory, requireMaxTokens: true, out request, out error);
    }

    /// <summary>Decodes a <c>POST /v1/messages</c> body where it lies.</summary>
    public static bool TryDecode(ReadOnlyMemory<byte> body, [NotNullWhen(true)] out ChatRequest? request, [NotNullWhen(false)] out RelayError? error) =>
        TryDecodeCore(body, requireMaxTokens: true, out request, out error);

    /// <summary>Decodes a <c>POST /v1/messages/count_tokens</c> body (max_tokens not required; a pooled copy of it).</summary>
    public static bool TryDecodeCountTokens(ReadOnlySpan<byte> body, [NotNullWhen(true)] out ChatRequest? request, [NotNullWhen(false)] out RelayError? error)
    {
        using var copy = JsonBody.Copy(body);
        return TryDecodeCore(copy.Memory, requireMaxTokens: false, out request, out error);
    }

    /// <summary>Decodes a <c>POST /v1/messages/count_tokens</c> body where it lies.</summary>
    public static bool TryDecodeCountTokens(ReadOnlyMemory<byte> body, [NotNullWhen(true)] out ChatRequest? request, [NotNullWhen(false)] out RelayError? error) =>
        TryDecodeCore(body, requireMaxTokens: false, out request, out error);

    private static bool TryDecodeCore(ReadOnlyMemory<byte> body, bool requireMaxTokens, [NotNullWhen(true)] out ChatRequest? request, [NotNullWhen(false)] out RelayError? error)
    {
        request = null;
        if (!InvalidText.IsText(body.Span))
        {
            error = InvalidText.Error;
            return false;
        }

        if (!JsonBody.TryParse(body, MaxDepth, out var doc))
        {
            error = RelayError.BadRequest("The request body is not valid JSON.");
            return false;
        }

        using (doc)
        {
            try
            {
                request = Decode(doc.RootElement, requireMaxTokens);
                error = null;
                return true;
            }
            catch (BadRequestException e)
            {
                error = RelayError.BadRequest(e.Message, e.Param);
                return false;
            }
            catch (JsonException)
            {
                error = RelayError.BadRequest("The request body nests too deeply.");
                return false;
            }
        }
    }

    private static ChatRequest Decode(JsonElement root, bool requireMaxTokens)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw Bad("The request body must be a JSON object.");
        }

        var request = new ChatRequest { SourceProtocol = WireProtocol.Anthropic };
        bool hasModel = false, hasMessages = false, hasMaxTokens = false;
        foreach (var prop in root.EnumerateObject())
        {
            var v = prop.Value;
            switch (prop.Name)
            {
                case "model":
                    request.Model = RequireString(v, "model");
                    hasModel = request.Model.Length > 0;
                    break;
                case "max_tokens":
                    if (v.ValueKind != JsonValueKind.Number || !v.TryGetInt32(out int maxTokens) || maxTokens < 0)
                    {
                        throw Bad("max_tokens: must be a non-negative integer.", "max_tokens");
                    }

                    request.MaxOutputTokens = maxTokens;
                    hasMaxTokens = true;
                    break;
                case "system":
                    DecodeSystem(v, request);
                    break;
                case "messages":
                    DecodeMessages(v, request);
                    hasMessages = true;
                    break;
                case "tools":
                    DecodeTools(v, request);
                    break;
                case "tool_choice":
                    DecodeToolChoice(v, request);
                    break;
                case "stop_sequences":
                    if (v.ValueKind != JsonValueKind.Array)
                    {
                        throw Bad("stop_sequences: must be an array of strings.", "stop_sequences");
                    }

                    foreach (var s in v.EnumerateArray())
                    {
                        request.Stop.Add(s.ValueKind == JsonValueKind.String ? s.GetString()! : throw Bad("stop_sequences: must be an array of strings.", "stop_sequences"));
                    }

                    break;
                case "temperature":
                    request.Temperature = RequireNumber(v, "temperature");
                    break;
                case "top_p":
                    request.TopP = RequireNumber(v, "top_p");
                    break;
                case "top_k":
                    request.TopK = v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out int topK) ? topK : throw Bad("top_k: must be an integer.", "top_k");
                    break;
                case "metadata":
                    DecodeMetadata(v, request);
                    break;
                case "thinking":
                    DecodeThinking(v, request);
                    break;
                case "output_config":
                    DecodeOutputConfig(v, request);
                    break;
                case "stream":
                    request.Stream = v.ValueKind switch
                    {
                        JsonValueKind.True => true,
                        JsonValueKind.False => false,
                        _ => throw Bad("stream: must be a boolean.", "stream"),
                    };
                    break;
                default:
                    Unmapped(request)[prop.Name] = ToNode(v);
                    break;
            }
        }

        if (!hasModel)
        {
            throw Bad("model: field required.", "model");
        }

        if (!hasMessages)
        {
            throw Bad("messages: field required.", "messages");
        }

        if (requireMaxTokens && !hasMaxTokens)
        {
            throw Bad("max_tokens: field required.", "max_tokens");
        }

        return request;
    }

    private static void DecodeSystem(JsonElement v, ChatRequest request)
    {
        var message = new ChatMessage(ChatRole.System);
        if (v.ValueKind == JsonValueKind.String)
        {
            message.Parts.Add(new TextPart(v.GetString()!));
        }
        else if (v.ValueKind == JsonValueKind.Array)
        {
            int i = 0;
            foreach (var block in v.EnumerateArray())
            {
                string path = $"system.{i}";
                if (block.ValueKind != JsonValueKind.Object || !IsType(block, "text"))
                {
                    throw Bad($"{path}: system blocks must be text blocks.", "system");
                }

                message.Parts.Add(ParseBlock(block, path, BlockScope.System));
                i++;
            }
        }
        else
        {
            throw Bad("system: must be a string or an array of text blocks.", "system");
        }

        request.Messages.Insert(0, message);
    }

    private static void DecodeMessages(JsonElement v, ChatRequest request)
    {
        if (v.ValueKind != JsonValueKind.Array)
        {
            throw Bad("messages: must be an array.", "messages");
        }

        int i = 0;
        foreach (var m in v.EnumerateArray())
        {
            string path = $"messages.{i}";
            if (m.ValueKind != JsonValueKind.Object)
            {
                throw Bad($"{path}: must be an object.", "messages");
            }

            var role = m.TryGetProperty("role"u8, out var r) && r.ValueKind == JsonValueKind.String
                ? r.ValueEquals("user"u8) ? ChatRole.User
                : r.ValueEquals("assistant"u8) ? ChatRole.Assistant
                : r.ValueEquals("system"u8) ? ChatRole.System
                : throw Bad($"{path}.role: must be 'user', 'assistant' or 'system'.", "messages")
                : throw Bad($"{path}.role: field required.", "messages");
            if (role == ChatRole.System && i == 0)
            {
                // Anthropic's placement rule: instructions from the start belong in the top-level system field.
                throw Bad($"{path}.role: a system message cannot be the first message; use the top-level system field.", "messages");
            }

            // Message-level attributes (a system message's cache_control, fields newer than Candor) go back to an
            // Anthropic upstream as they came.
            var message = new ChatMessage(role) { Extra = ExtraOf(m, "role", "content") };
            if (!m.TryGetProperty("content"u8, out var content))
            {
                throw Bad($"{path}.content: field required.", "messages");
            }

            if (content.ValueKind == JsonValueKind.String)
            {
                message.Parts.Add(new TextPart(content.GetString()!));
            }
            else if (content.ValueKind == JsonValueKind.Array)
            {
                int j = 0;
                foreach (var block in content.EnumerateArray())
                {
                    var scope = role switch
                    {
                        ChatRole.User => BlockScope.User,
                        ChatRole.System => BlockScope.System,
                        _ => BlockScope.Assistant,
                    };
                    if (scope == BlockScope.System && (block.ValueKind != JsonValueKind.Object || !IsType(block, "text")))
                    {
                        throw Bad($"{path}.content.{j}: system messages hold only text blocks.", "messages");
                    }

                    message.Parts.Add(ParseBlock(block, $"{path}.content.{j}", scope));
                    j++;
                }
            }
            else
            {
                throw Bad($"{path}.content: must be a string or an array of content blocks.", "messages");
            }

            request.Messages.Add(message);
            i++;
        }
    }

    private enum BlockScope
    {
        System,
        User,
        Assistant,
        ToolResult,
    }

    private static ContentPart ParseBlock(JsonElement block, string path, BlockScope scope)
    {
        if (block.ValueKind != JsonValueKind.Object)
        {
            throw Bad($"{path}: must be an object.", "messages");
        }

        if (!block.TryGetProperty("type"u8, out var typeEl) || typeEl.ValueKind != JsonValueKind.String)
        {
            throw Bad($"{path}.type: field required.", "messages");
        }

        switch (typeEl.GetString())
        {
            case "text":
                return new TextPart(RequireString(block, "text", path)) { Extra = ExtraOf(block, "type", "text") };
            case "image":
                return DecodeImage(block, path);
            case "document":
                return DecodeDocument(block, path);
            case "tool_use" when scope == BlockScope.Assistant:
                {
                    string id = RequireString(block, "id", path);
                    string name = RequireString(block, "name", path);
                    if (!block.TryGetProperty("input"u8, out var input) || input.ValueKind != JsonValueKind.Object)
                    {
                        throw Bad($"{path}.input: must be an object.", "messages");
                    }

                    return new ToolCallPart(id, name, input.GetRawText()) { Extra = ExtraOf(block, "type", "id", "name", "input") };
                }

            case "tool_result" when scope == BlockScope.User:
                return DecodeToolResult(block, path);
            case "thinking" when scope == BlockScope.Assistant:
                {
                    var part = new ThinkingPart(RequireString(block, "thinking", path))
                    {
                        Signature = block.TryGetProperty("signature"u8, out var sig) && sig.ValueKind == JsonValueKind.String ? sig.GetString() : null,
                        Extra = ExtraOf(block, "type", "thinking", "signature"),
                    };
                    return part;
                }

            case "redacted_thinking" when scope == BlockScope.Assistant:
                return new RedactedThinkingPart(RequireString(block, "data", path)) { Extra = ExtraOf(block, "type", "data") };
            default:
                throw Bad($"{path}.type: this content block type is not supported here.", "messages");
        }
    }

    private static ImagePart DecodeImage(JsonElement block, string path)
    {
        if (!block.TryGetProperty("source"u8, out var source) || source.ValueKind != JsonValueKind.Object)
        {
            throw Bad($"{path}.source: field required.", "messages");
        }

        string sourceType = RequireString(source, "type", path + ".source");
        var extra = ExtraOf(block, "type", "source");
        return sourceType switch
        {
            "base64" => new ImagePart { MediaType = RequireString(source, "media_type", path + ".source"), Base64Data = RequireString(source, "data", path + ".source"), Extra = extra },
            "url" => new ImagePart { Url = RequireString(source, "url", path + ".source"), Extra = extra },
            _ => throw Bad($"{path}.source.type: only 'base64' and 'url' image sources are supported.", "messages"),
        };
    }

    private static FilePart DecodeDocument(JsonElement block, string path)
    {
        if (!block.TryGetProperty("source"u8, out var source) || source.ValueKind != JsonValueKind.Object)
        {
            throw Bad($"{path}.source: field required.", "messages");
        }

        string sp = path + ".source";
        var part = new FilePart
        {
            FileName = block.TryGetProperty("title"u8, out var title) && title.ValueKind == JsonValueKind.String ? title.GetString() : null,
            Extra = ExtraOf(block, "type", "source", "title"),
        };
        switch (RequireString(source, "type", sp))
        {
            case "base64":
                part.MediaType = RequireString(source, "media_type", sp);
                part.Base64Data = RequireString(source, "data", sp);
                break;
            case "url":
                part.Url = RequireString(source, "url", sp);
                break;
            case "text":
                // A plain-text document travels canonically as base64 text/plain and is written back as a text source.
                part.MediaType = "text/plain";
                part.Base64Data = Convert.ToBase64String(Encoding.UTF8.GetBytes(RequireString(source, "data", sp)));
                break;
            default:
                throw Bad($"{sp}.type: only 'base64', 'url' and 'text' document sources are supported.", "messages");
        }

        return part;
    }

    private static ToolResultPart DecodeToolResult(JsonElement block, string path)
    {
        var part = new ToolResultPart(RequireString(block, "tool_use_id", path))
        {
            Extra = ExtraOf(block, "type", "tool_use_id", "content", "is_error"),
        };
        if (block.TryGetProperty("is_error"u8, out var isError))
        {
            part.IsError = isError.ValueKind switch
            {
                JsonValueKind.True => true,
                JsonValueKind.False or JsonValueKind.Null => false,
                _ => throw Bad($"{path}.is_error: must be a boolean.", "messages"),
            };
        }

        if (block.TryGetProperty("content"u8, out var content))
        {
            if (content.ValueKind == JsonValueKind.String)
            {
                part.Content.Add(new TextPart(content.GetString()!));
            }
            else if (content.ValueKind == JsonValueKind.Array)
            {
                int k = 0;
                foreach (var inner in content.EnumerateArray())
                {
                    part.Content.Add(ParseBlock(inner, $"{path}.content.{k}", BlockScope.ToolResult));
                    k++;
                }
            }
            else if (content.ValueKind != JsonValueKind.Null)
            {
                throw Bad($"{path}.content: must be a string or an array of content blocks.", "messages");
            }
        }

        return part;
    }

    private static void DecodeTools(JsonElement v, ChatRequest request)
    {
        if (v.ValueKind != JsonValueKind.Array)
        {
            throw Bad("tools: must be an array.", "tools");
        }

        bool keepVerbatim = false;
        int i = 0;
        foreach (var t in v.EnumerateArray())
        {
            string path = $"tools.{i}";
            if (t.ValueKind != JsonValueKind.Object)
            {
                throw Bad($"{path}: must be an object.", "tools");
            }

            if (t.TryGetProperty("type"u8, out var type) && type.ValueKind == JsonValueKind.String && !type.ValueEquals("custom"u8))
            {
                // A server tool (web search, code execution, bash…): only an Anthropic upstream can run it.
                keepVerbatim = true;
                i++;
                continue;
            }

            var tool = new ToolDefinition(RequireString(t, "name", path));
            foreach (var p in t.EnumerateObject())
            {
                switch (p.Name)
                {
                    case "name":
                    case "type":
                        break;
                    case "description":
                        tool.Description = p.Value.ValueKind switch
                        {
                            JsonValueKind.String => p.Value.GetString(),
                            JsonValueKind.Null => null,
                            _ => throw Bad($"{path}.description: must be a string.", "tools"),
                        };
                        break;
                    case "input_schema":
                        tool.Parameters = p.Value.ValueKind == JsonValueKind.Object ? p.Value.Clone() : throw Bad($"{path}.input_schema: must be an object.", "tools");
                        break;
                    default:
                        keepVerbatim = true;
                        break;
                }
            }

            if (tool.Parameters is null)
            {
                throw Bad($"{path}.input_schema: field required.", "tools");
            }

            request.Tools.Add(tool);
            i++;
        }

        if (keepVerbatim)
        {
            Unmapped(request)["tools"] = ToNode(v);
        }
    }

    private static void DecodeToolChoice(JsonElement v, ChatRequest request)
    {
        if (v.ValueKind != JsonValueKind.Object)
        {
            throw Bad("tool_choice: must be an object.", "tool_choice");
        }

        request.ToolChoice = RequireString(v, "type", "tool_choice") switch
        {
            "auto" => new ToolChoice(ToolChoiceMode.Auto),
            "any" => new ToolChoice(ToolChoiceMode.Required),
            "none" => new ToolChoice(ToolChoiceMode.None),
            "tool" => new ToolChoice(ToolChoiceMode.Specific, RequireString(v, "name", "tool_choice")),
            _ => throw Bad("tool_choice.type: must be one of 'auto', 'any', 'tool', 'none'.", "tool_choice"),
        };
        if (v.TryGetProperty("disable_parallel_tool_use"u8, out var dp))
        {
            request.ParallelToolCalls = dp.ValueKind switch
            {
                JsonValueKind.True => false,
                JsonValueKind.False => true,
                _ => throw Bad("tool_choice.disable_parallel_tool_use: must be a boolean.", "tool_choice"),
            };
        }
    }

    private static void DecodeMetadata(JsonElement v, ChatRequest request)
    {
        if (v.ValueKind == JsonValueKind.Null)
        {
            return;
        }

        if (v.ValueKind != JsonValueKind.Object)
        {
            throw Bad("metadata: must be an object.", "metadata");
        }

        foreach (var p in v.EnumerateObject())
        {
            if (p.NameEquals("user_id"u8))
            {
                request.User = p.Value.ValueKind switch
                {
                    JsonValueKind.String => p.Value.GetString(),
                    JsonValueKind.Null => null,
                    _ => throw Bad("metadata.user_id: must be a string.", "metadata"),
                };
            }
            else if (p.Value.ValueKind == JsonValueKind.String)
            {
                (request.Metadata ??= [])[p.Name] = p.Value.GetString()!;
            }
        }
    }

    private static void DecodeThinking(JsonElement v, ChatRequest request)
    {
        if (v.ValueKind != JsonValueKind.Object)
        {
            throw Bad("thinking: must be an object.", "thinking");
        }

        switch (RequireString(v, "type", "thinking"))
        {
            case "enabled":
                request.ThinkingBudget = v.TryGetProperty("budget_tokens"u8, out var b) && b.ValueKind == JsonValueKind.Number && b.TryGetInt32(out int budget)
                    ? budget
                    : throw Bad("thinking.budget_tokens: must be an integer.", "thinking");
                if (HasOtherThan(v, "type", "budget_tokens"))
                {
                    // For example display: "omitted"; the Anthropic encoder writes the object back as it came.
                    Unmapped(request)["thinking"] = ToNode(v);
                }

                break;
            case "disabled":
                request.ThinkingBudget = null;
                break;
            default:
                Unmapped(request)["thinking"] = ToNode(v);
                break;
        }
    }

    /// <summary>output_config.format (structured outputs) becomes a json_schema ResponseFormat; anything else
    /// in output_config (effort…) keeps the whole object verbatim in Unmapped as well.</summary>
    private static void DecodeOutputConfig(JsonElement v, ChatRequest request)
    {
        if (v.ValueKind != JsonValueKind.Object)
        {
            throw Bad("output_config: must be an object.", "output_config");
        }

        if (v.TryGetProperty("format"u8, out var format) && format.ValueKind == JsonValueKind.Object)
        {
            if (!IsType(format, "json_schema") || !format.TryGetProperty("schema"u8, out var schema) || schema.ValueKind != JsonValueKind.Object)
            {
                throw Bad("output_config.format: must be {\"type\":\"json_schema\",\"schema\":{…}}.", "output_config");
            }

            request.ResponseFormat = new ResponseFormat(ResponseFormatKind.JsonSchema) { Schema = schema.Clone() };
        }

        if (HasOtherThan(v, "format") || (format.ValueKind == JsonValueKind.Object && HasOtherThan(format, "type", "schema")))
        {
            Unmapped(request)["output_config"] = ToNode(v);
        }
    }

    private static bool HasOtherThan(JsonElement obj, params ReadOnlySpan<string> known)
    {
        foreach (var p in obj.EnumerateObject())
        {
            if (!IsKnown(p, known))
            {
                return true;
            }
        }

        return false;
    }

    private static JsonObject Unmapped(ChatRequest request) => request.Unmapped ??= [];

    private static JsonNode? ToNode(JsonElement v) => JsonNode.Parse(v.GetRawText(), documentOptions: DocumentOptions);

    private static bool IsType(JsonElement block, string type) =>
        block.TryGetProperty("type"u8, out var t) && t.ValueKind == JsonValueKind.String && t.ValueEquals(type);

    /// <summary>The properties of a block that are not in <paramref name="known"/>, as one object, or null
    /// when there are none.</summary>
    private static JsonElement? ExtraOf(JsonElement block, params ReadOnlySpan<string> known)
    {
        bool any = false;
        foreach (var p in block.EnumerateObject())
        {
            if (!IsKnown(p, known))
            {
                any = true;
                break;
            }
        }

        if (!any)
        {
            return null;
        }

        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            foreach (var p in block.EnumerateObject())
            {
                if (!IsKnown(p, known))
                {
                    p.WriteTo(writer);
                }
            }

            writer.WriteEndObject();
        }

        using var doc = JsonDocument.Parse(buffer.WrittenMemory, DocumentOptions);
        return doc.RootElement.Clone();
    }

    private static bool IsKnown(JsonProperty p, ReadOnlySpan<string> known)
    {
        foreach (var k in known)
        {
            if (p.NameEquals(k))
            {
                return true;
            }
        }

        return false;
    }

    private static string RequireString(JsonElement v, string field) =>
        v.ValueKind == JsonValueKind.String ? v.GetString()! : throw Bad($"{field}: must be a string.", field);

    private static string RequireString(JsonElement obj, string name, string path)
    {
        if (!obj.TryGetProperty(name, out var v))
        {
            throw Bad($"{path}.{name}: field required.", ParamOf(path));
        }

        return v.ValueKind == JsonValueKind.String ? v.GetString()! : throw Bad($"{path}.{name}: must be a string.", ParamOf(path));
    }

    private static double RequireNumber(JsonElement v, string field) =>
        v.ValueKind == JsonValueKind.Number && double.IsFinite(v.GetDouble()) ? v.GetDouble() : throw Bad($"{field}: must be a number.", field);

    private static string ParamOf(string path)
    {
        int dot = path.IndexOf('.', StringComparison.Ordinal);
        return dot < 0 ? path : path[..dot];
    }

    private static BadRequestException Bad(string message, string? param = null) => new(message, param);

    /// <summary>Carries a validation failure out of the recursive descent; caught in <see cref="TryDecodeCore"/>
    /// and turned into a <see cref="RelayError"/> value.</summary>
    private sealed class BadRequestException(string message, string? param) : Exception(message)
    {
        public string? Param { get; } = param;
    }
}
