using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using System.Text.Json.Nodes;
using Candor.Protocols.Canonical;
using Candor.Protocols.Codecs;

namespace Candor.Protocols.Gemini;

/// <summary>Reads a Gemini <c>generateContent</c> / <c>streamGenerateContent</c> / <c>countTokens</c> body
/// into the canonical request. Field names are accepted in lowerCamelCase and snake_case, as the REST API
/// accepts both.
/// <para>What has no canonical home is kept in <see cref="ChatRequest.Unmapped"/> under lowerCamelCase keys
/// so that <see cref="GeminiRequestEncoder"/> writes it back for Gemini upstreams: unknown top-level fields
/// (safetySettings, cachedContent, labels…) verbatim; <c>generationConfig</c> holding only the unmapped
/// generation keys (responseModalities, speechConfig, thinkingConfig.thinkingLevel/includeThoughts, the
/// original OpenAPI-subset responseSchema…); <c>toolConfig</c> holding the unmapped tool-config keys (and
/// functionCallingConfig.mode VALIDATED or allowedFunctionNames that ToolChoice cannot express); <c>tools</c>
/// holding the non-function tools (googleSearch, urlContext…). codeExecution is refused with a 400 because
/// its executableCode/codeExecutionResult parts have no canonical form.</para>
/// <para>Function calls without an id get <c>call_{ordinal}_{name}</c> (ordinal counts calls in the
/// request); a function response without an id takes the id of the earliest unanswered call of the same
/// name, so ToolCallPart.Id and ToolResultPart.ToolCallId match.</para></summary>
public static class GeminiRequestDecoder
{
    /// <summary>Decodes a generateContent body (a pooled copy of it; see the overload that parses it in place). The model and
    /// the stream mode come from the URL.</summary>
    public static bool TryDecode(ReadOnlySpan<byte> body, string model, bool stream,
        [NotNullWhen(true)] out ChatRequest? request, [NotNullWhen(false)] out RelayError? error)
    {
        using var copy = JsonBody.Copy(body);
        return TryDecode(copy.Memory, model, stream, out request, out error);
    }

    /// <summary>Decodes a generateContent body where it lies. The model and the stream mode come from the URL.</summary>
    public static bool TryDecode(ReadOnlyMemory<byte> body, string model, bool stream,
        [NotNullWhen(true)] out ChatRequest? request, [NotNullWhen(false)] out RelayError? error)
    {
        request = null;
        if (!TryParse(body, out var doc, out error))
        {
            return false;
        }

        using (doc)
        {
            try
            {
                var r = new ChatRequest { Model = model, Stream = stream, SourceProtocol = WireProtocol.Gemini };
                DecodeBody(doc.RootElement, r, "");
                request = r;
                return true;
            }
            catch (DecodeFailure f)
            {
                error = f.Error;
                return false;
            }
        }
    }

    /// <summary>Decodes a countTokens body (a pooled copy of it; see the overload that parses it in place).</summary>
    public static bool TryDecodeCountTokens(ReadOnlySpan<byte> body, string model,
        [NotNullWhen(true)] out ChatRequest? request, [NotNullWhen(false)] out RelayError? error)
    {
        using var copy = JsonBody.Copy(body);
        return TryDecodeCountTokens(copy.Memory, model, out request, out error);
    }

    /// <summary>Decodes a countTokens body where it lies: <c>{contents}</c> or <c>{generateContentRequest:{…}}</c>.</summary>
    public static bool TryDecodeCountTokens(ReadOnlyMemory<byte> body, string model,
        [NotNullWhen(true)] out ChatRequest? request, [NotNullWhen(false)] out RelayError? error)
    {
        request = null;
        if (!TryParse(body, out var doc, out error))
        {
            return false;
        }

        using (doc)
        {
            try
            {
                var r = new ChatRequest { Model = model, SourceProtocol = WireProtocol.Gemini };
                var root = doc.RootElement;
                if (TryGet(root, "generateContentRequest", out var inner))
                {
                    RequireObject(inner, "generateContentRequest");
                    DecodeBody(inner, r, "generateContentRequest.");
                }
                else
                {
                    var ctx = new IdContext();
                    foreach (var p in root.EnumerateObject())
                    {
                        if (GeminiWire.Camel(p.Name) == "contents")
                        {
                            DecodeContents(p.Value, r, ctx, "contents");
                        }
                    }

                    if (r.Messages.Count == 0)
                    {
                        throw Fail("contents is required.", "contents");
                    }
                }

                request = r;
                return true;
            }
            catch (DecodeFailure f)
            {
                error = f.Error;
                return false;
            }
        }
    }

    private static bool TryParse(ReadOnlyMemory<byte> body, [NotNullWhen(true)] out JsonDocument? doc, [NotNullWhen(false)] out RelayError? error)
    {
        doc = null;
        error = null;
        if (!InvalidText.IsText(body.Span))
        {
            error = InvalidText.Error;
            return false;
        }

        // The reader's default depth (64). Content after the value is invalid JSON too.
        if (!JsonBody.TryParse(body, 64, out doc))
        {
            error = RelayError.BadRequest("The request body is not valid JSON.");
            return false;
        }

        if (doc.RootElement.ValueKind != JsonValueKind.Object)
        {
            doc.Dispose();
            doc = null;
            error = RelayError.BadRequest("The request body must be a JSON object.");
            return false;
        }

        return true;
    }

    private static void DecodeBody(JsonElement root, ChatRequest r, string prefix)
    {
        var ctx = new IdContext();
        JsonElement? contents = null;
        JsonElement? system = null;
        foreach (var p in root.EnumerateObject())
        {
            string name = GeminiWire.Camel(p.Name);
            switch (name)
            {
                case "contents":
                    contents = p.Value;
                    break;
                case "systemInstruction":
                    system = p.Value;
                    break;
                case "tools":
                    DecodeTools(p.Value, r, prefix + "tools");
                    break;
                case "toolConfig":
                    DecodeToolConfig(p.Value, r, prefix + "toolConfig");
                    break;
                case "generationConfig":
                    DecodeGenerationConfig(p.Value, r, prefix + "generationConfig");
                    break;
                case "model":
                    // The URL names the model; countTokens' inner request repeats it.
                    break;
                default:
                    Unmapped(r)[name] = GeminiWire.ToNode(p.Value);
                    break;
            }
        }

        if (system is { } sys && sys.ValueKind != JsonValueKind.Null)
        {
            DecodeSystem(sys, r, prefix + "systemInstruction");
        }

        if (contents is not { ValueKind: JsonValueKind.Array } c || c.GetArrayLength() == 0)
        {
            throw Fail("contents is required and must be a non-empty array.", prefix + "contents");
        }

        DecodeContents(c, r, ctx, prefix + "contents");
    }

    private static void DecodeSystem(JsonElement sys, ChatRequest r, string path)
    {
        RequireObject(sys, path);
        var message = new ChatMessage(ChatRole.System);
        if (TryGet(sys, "parts", out var parts))
        {
            RequireArray(parts, path + ".parts");
            int i = 0;
            foreach (var part in parts.EnumerateArray())
            {
                string partPath = $"{path}.parts[{i++}]";
                RequireObject(part, partPath);
                if (!TryGet(part, "text", out var text) || text.ValueKind != JsonValueKind.String)
                {
                    throw Fail("systemInstruction supports text parts only.", partPath);
                }

                message.Parts.Add(new TextPart(text.GetString()!));
            }
        }

        if (message.Parts.Count > 0)
        {
            r.Messages.Insert(0, message);
        }
    }

    private static void DecodeContents(JsonElement contents, ChatRequest r, IdContext ctx, string path)
    {
        RequireArray(contents, path);
        int i = 0;
        foreach (var content in contents.EnumerateArray())
        {
            string cPath = $"{path}[{i++}]";
            RequireObject(content, cPath);
            string role = "user";
            if (TryGet(content, "role", out var roleEl) && roleEl.ValueKind != JsonValueKind.Null)
            {
                role = roleEl.ValueKind == JsonValueKind.String ? roleEl.GetString()! : throw Fail("role must be a string.", cPath + ".role");
            }

            bool model = role switch
            {
                "user" or "function" or "" => false,
                "model" => true,
                _ => throw Fail("role must be 'user' or 'model'.", cPath + ".role"),
            };

            if (!TryGet(content, "parts", out var parts))
            {
                continue;
            }

            RequireArray(parts, cPath + ".parts");
            ChatMessage? current = null;
            int j = 0;
            foreach (var part in parts.EnumerateArray())
            {
                string pPath = $"{cPath}.parts[{j++}]";
                var decoded = DecodePart(part, ctx, pPath);
                if (decoded is ToolResultPart)
                {
                    // Each function response is a Tool message of its own, the form every encoder accepts.
                    current = null;
                    var tool = new ChatMessage(ChatRole.Tool);
                    tool.Parts.Add(decoded);
                    r.Messages.Add(tool);
                    continue;
                }

                if (current is null)
                {
                    current = new ChatMessage(model ? ChatRole.Assistant : ChatRole.User);
                    r.Messages.Add(current);
                }

                // Thoughts streamed part by part and sent back so are one block: consecutive unsigned thought parts join.
                if (model && decoded is ThinkingPart more && decoded.Extra is null && current.Parts is [.., ThinkingPart { Signature: null, Extra: null } open])
                {
                    open.Text += more.Text;
                    open.Signature = more.Signature;
                    continue;
                }

                // Gemini carries a turn's thinking signature on the part after the thoughts (a function call, as Candor
                // writes an Anthropic signature and the AI SDK sends it back): it signs the thoughts it follows, so that
                // an upstream that needs signed thinking (Anthropic) gets the block back whole.
                if (model && decoded is not ThinkingPart && current.Parts is [.., ThinkingPart { Signature: null, Text.Length: > 0 } thoughts]
                    && decoded.Extra is { ValueKind: JsonValueKind.Object } extra && extra.TryGetProperty("thoughtSignature", out var carried)
                    && carried.ValueKind == JsonValueKind.String)
                {
                    thoughts.Signature = carried.GetString();
                }

                current.Parts.Add(decoded);
            }
        }
    }

    private static ContentPart DecodePart(JsonElement part, IdContext ctx, string path)
    {
        RequireObject(part, path);
        string? text = null;
        bool thought = false;
        string? signature = null;
        JsonElement? inlineData = null, fileData = null, functionCall = null, functionResponse = null;
        JsonObject? extra = null;
        foreach (var p in part.EnumerateObject())
        {
            string name = GeminiWire.Camel(p.Name);
            switch (name)
            {
                case "text":
                    text = p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString() : throw Fail("text must be a string.", path + ".text");
                    break;
                case "thought":
                    thought = p.Value.ValueKind == JsonValueKind.True;
                    break;
                case "thoughtSignature":
                    signature = p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString() : throw Fail("thoughtSignature must be a string.", path + ".thoughtSignature");
                    break;
                case "inlineData":
                    inlineData = p.Value;
                    break;
                case "fileData":
                    fileData = p.Value;
                    break;
                case "functionCall":
                    functionCall = p.Value;
                    break;
                case "functionResponse":
                    functionResponse = p.Value;
                    break;
                case "executableCode" or "codeExecutionResult":
                    throw Fail("Code-execution parts are not supported by this relay.", path + "." + name);
                default:
                    (extra ??= [])[name] = GeminiWire.ToNode(p.Value);
                    break;
            }
        }

        ContentPart result;
        if (thought)
        {
            result = new ThinkingPart(text ?? "") { Signature = signature };
            signature = null;
        }
        else if (text is not null)
        {
            result = new TextPart(text);
        }
        else if (inlineData is { } inline)
        {
            string ipath = path + ".inlineData";
            RequireObject(inline, ipath);
            string mime = RequireString(inline, "mimeType", ipath);
            string data = RequireString(inline, "data", ipath);
            result = mime.StartsWith("image/", StringComparison.OrdinalIgnoreCase)
                ? new ImagePart { MediaType = mime, Base64Data = data }
                : new FilePart { MediaType = mime, Base64Data = data };
        }
        else if (fileData is { } file)
        {
            string fpath = path + ".fileData";
            RequireObject(file, fpath);
            string uri = RequireString(file, "fileUri", fpath);
            string? mime = OptionalString(file, "mimeType", fpath);
            result = mime is not null && mime.StartsWith("image/", StringComparison.OrdinalIgnoreCase)
                ? new ImagePart { Url = uri, MediaType = mime }
                : new FilePart { Url = uri, MediaType = mime };
        }
        else if (functionCall is { } call)
        {
            string cpath = path + ".functionCall";
            RequireObject(call, cpath);
            string name = RequireString(call, "name", cpath);
            string? id = OptionalString(call, "id", cpath);
            string args = "{}";
            if (TryGet(call, "args", out var argsEl) && argsEl.ValueKind != JsonValueKind.Null)
            {
                RequireObject(argsEl, cpath + ".args");
                args = argsEl.GetRawText();
            }

            result = new ToolCallPart(ctx.Call(id, name), name, args);
        }
        else if (functionResponse is { } response)
        {
            string rpath = path + ".functionResponse";
            RequireObject(response, rpath);
            string name = RequireString(response, "name", rpath);
            string? id = OptionalString(response, "id", rpath);
            var tr = new ToolResultPart(ctx.Result(id, name)) { Name = name };
            if (TryGet(response, "response", out var body) && body.ValueKind != JsonValueKind.Null)
            {
                RequireObject(body, rpath + ".response");
                tr.Content.Add(new TextPart(ResponseText(body, out bool isError)));
                tr.IsError = isError;
            }

            result = tr;
        }
        else
        {
            throw Fail("The part has no supported data field (text, inlineData, fileData, functionCall, functionResponse).", path);
        }

        if (signature is not null)
        {
            (extra ??= [])["thoughtSignature"] = signature;
        }

        if (extra is not null)
        {
            result.Extra = GeminiWire.ToElement(extra);
        }

        return result;
    }

    /// <summary>The canonical text of a function response: the string of a sole <c>output</c>,
    /// <c>content</c> or <c>error</c> key (the forms <see cref="GeminiRequestEncoder"/> writes), else the
    /// response object's JSON.</summary>
    private static string ResponseText(JsonElement body, out bool isError)
    {
        isError = false;
        using var e = body.EnumerateObject();
        if (e.MoveNext())
        {
            var only = e.Current;
            if (!e.MoveNext() && only.Value.ValueKind == JsonValueKind.String)
            {
                switch (only.Name)
                {
                    case "output" or "content":
                        return only.Value.GetString()!;
                    case "error":
                        isError = true;
                        return only.Value.GetString()!;
                }
            }
        }

        return body.GetRawText();
    }

    private static void DecodeTools(JsonElement tools, ChatRequest r, string path)
    {
        RequireArray(tools, path);
        int i = 0;
        foreach (var tool in tools.EnumerateArray())
        {
            string tPath = $"{path}[{i++}]";
            RequireObject(tool, tPath);
            JsonObject? other = null;
            foreach (var p in tool.EnumerateObject())
            {
                string name = GeminiWire.Camel(p.Name);
                switch (name)
                {
                    case "functionDeclarations":
                        DecodeDeclarations(p.Value, r, tPath + ".functionDeclarations");
                        break;
                    case "codeExecution":
                        throw Fail("The codeExecution tool is not supported by this relay.", tPath + ".codeExecution");
                    default:
                        (other ??= [])[name] = GeminiWire.ToNode(p.Value);
                        break;
                }
            }

            if (other is not null)
            {
                var list = Unmapped(r)["tools"] as JsonArray;
                if (list is null)
                {
                    list = [];
                    Unmapped(r)["tools"] = list;
                }

                // The JsonNode overload: the generic Add<T> would wrap a value in a JsonValue through reflection (not AOT-safe).
                list.Add((JsonNode)other);
            }
        }
    }

    private static void DecodeDeclarations(JsonElement decls, ChatRequest r, string path)
    {
        RequireArray(decls, path);
        int i = 0;
        foreach (var decl in decls.EnumerateArray())
        {
            string dPath = $"{path}[{i++}]";
            RequireObject(decl, dPath);
            var def = new ToolDefinition(RequireString(decl, "name", dPath))
            {
                Description = OptionalString(decl, "description", dPath),
            };
            if (TryGet(decl, "parametersJsonSchema", out var js) && js.ValueKind != JsonValueKind.Null)
            {
                RequireObject(js, dPath + ".parametersJsonSchema");
                def.Parameters = js.Clone();
            }
            else if (TryGet(decl, "parameters", out var ps) && ps.ValueKind != JsonValueKind.Null)
            {
                RequireObject(ps, dPath + ".parameters");
                def.Parameters = GeminiSchema.ToJsonSchema(ps);
            }

            r.Tools.Add(def);
        }
    }

    private static void DecodeToolConfig(JsonElement config, ChatRequest r, string path)
    {
        RequireObject(config, path);
        JsonObject? rest = null;
        foreach (var p in config.EnumerateObject())
        {
            string name = GeminiWire.Camel(p.Name);
            if (name != "functionCallingConfig")
            {
                (rest ??= [])[name] = GeminiWire.ToNode(p.Value);
                continue;
            }

            string fPath = path + ".functionCallingConfig";
            RequireObject(p.Value, fPath);
            string mode = OptionalString(p.Value, "mode", fPath) ?? "AUTO";
            var names = new List<string>();
            if (TryGet(p.Value, "allowedFunctionNames", out var allowed) && allowed.ValueKind != JsonValueKind.Null)
            {
                RequireArray(allowed, fPath + ".allowedFunctionNames");
                foreach (var n in allowed.EnumerateArray())
                {
                    names.Add(n.ValueKind == JsonValueKind.String ? n.GetString()! : throw Fail("allowedFunctionNames must hold strings.", fPath + ".allowedFunctionNames"));
                }
            }

            JsonObject? keep = null;
            switch (mode)
            {
                case "AUTO" or "MODE_UNSPECIFIED":
                    r.ToolChoice = new ToolChoice(ToolChoiceMode.Auto);
                    break;
                case "NONE":
                    r.ToolChoice = new ToolChoice(ToolChoiceMode.None);
                    break;
                case "ANY" when names.Count == 1:
                    r.ToolChoice = new ToolChoice(ToolChoiceMode.Specific, names[0]);
                    names.Clear();
                    break;
                case "ANY":
                    r.ToolChoice = new ToolChoice(ToolChoiceMode.Required);
                    break;
                case "VALIDATED":
                    // Canonically "the model decides"; the exact mode travels on for Gemini upstreams.
                    r.ToolChoice = new ToolChoice(ToolChoiceMode.Auto);
                    keep = new JsonObject { ["mode"] = "VALIDATED" };
                    break;
                default:
                    throw Fail("mode must be AUTO, ANY, NONE or VALIDATED.", fPath + ".mode");
            }

            if (names.Count > 0)
            {
                keep ??= [];
                keep["allowedFunctionNames"] = new JsonArray([.. names.Select(static n => JsonValue.Create(n))]);
            }

            if (keep is not null)
            {
                (rest ??= [])["functionCallingConfig"] = keep;
            }
        }

        if (rest is not null)
        {
            Unmapped(r)["toolConfig"] = rest;
        }
    }

    private static void DecodeGenerationConfig(JsonElement config, ChatRequest r, string path)
    {
        RequireObject(config, path);
        JsonObject? rest = null;
        string? mime = null;
        JsonElement? schema = null;
        foreach (var p in config.EnumerateObject())
        {
            string name = GeminiWire.Camel(p.Name);
            string fPath = path + "." + name;
            if (p.Value.ValueKind == JsonValueKind.Null)
            {
                continue;
            }

            switch (name)
            {
                case "temperature":
                    r.Temperature = Number(p.Value, fPath);
                    break;
                case "topP":
                    r.TopP = Number(p.Value, fPath);
                    break;
                case "topK":
                    r.TopK = (int)Number(p.Value, fPath);
                    break;
                case "candidateCount":
                    r.N = Int(p.Value, fPath);
                    break;
                case "maxOutputTokens":
                    r.MaxOutputTokens = Int(p.Value, fPath);
                    break;
                case "stopSequences":
                    RequireArray(p.Value, fPath);
                    foreach (var s in p.Value.EnumerateArray())
                    {
                        r.Stop.Add(s.ValueKind == JsonValueKind.String ? s.GetString()! : throw Fail("stopSequences must hold strings.", fPath));
                    }

                    break;
                case "seed":
                    r.Seed = Int(p.Value, fPath);
                    break;
                case "presencePenalty":
                    r.PresencePenalty = Number(p.Value, fPath);
                    break;
                case "frequencyPenalty":
                    r.FrequencyPenalty = Number(p.Value, fPath);
                    break;
                case "responseLogprobs":
                    r.Logprobs = p.Value.ValueKind switch
                    {
                        JsonValueKind.True => true,
                        JsonValueKind.False => false,
                        _ => throw Fail("responseLogprobs must be a boolean.", fPath),
                    };
                    break;
                case "logprobs":
                    r.TopLogprobs = Int(p.Value, fPath);
                    break;
                case "responseMimeType":
                    mime = p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString() : throw Fail("responseMimeType must be a string.", fPath);
                    break;
                case "responseJsonSchema":
                    schema = p.Value.Clone();
                    break;
                case "responseSchema":
                    RequireObject(p.Value, fPath);
                    schema ??= GeminiSchema.ToJsonSchema(p.Value);

                    // Kept as given so that a Gemini upstream gets the OpenAPI-subset schema it was sent.
                    (rest ??= [])[name] = GeminiWire.ToNode(p.Value);
                    break;
                case "thinkingConfig":
                    RequireObject(p.Value, fPath);
                    JsonObject? thinkingRest = null;
                    foreach (var t in p.Value.EnumerateObject())
                    {
                        string tName = GeminiWire.Camel(t.Name);
                        if (tName == "thinkingBudget" && t.Value.ValueKind != JsonValueKind.Null)
                        {
                            r.ThinkingBudget = Int(t.Value, fPath + ".thinkingBudget");
                        }
                        else
                        {
                            (thinkingRest ??= [])[tName] = GeminiWire.ToNode(t.Value);
                        }
                    }

                    if (thinkingRest is not null)
                    {
                        (rest ??= [])[name] = thinkingRest;
                    }

                    break;
                default:
                    (rest ??= [])[name] = GeminiWire.ToNode(p.Value);
                    break;
            }
        }

        if (schema is not null)
        {
            r.ResponseFormat = new ResponseFormat(ResponseFormatKind.JsonSchema) { Schema = schema };
        }
        else if (string.Equals(mime, "application/json", StringComparison.OrdinalIgnoreCase))
        {
            r.ResponseFormat = new ResponseFormat(ResponseFormatKind.JsonObject);
        }
        else if (string.Equals(mime, "text/plain", StringComparison.OrdinalIgnoreCase))
        {
            r.ResponseFormat = new ResponseFormat(ResponseFormatKind.Text);
        }

        if (mime is not null && r.ResponseFormat?.Kind is not ResponseFormatKind.Text && !string.Equals(mime, "application/json", StringComparison.OrdinalIgnoreCase))
        {
            // text/x.enum and other types have no canonical form; Gemini upstreams get them back.
            (rest ??= [])["responseMimeType"] = mime;
        }

        if (rest is not null)
        {
            Unmapped(r)["generationConfig"] = rest;
        }
    }

    private static JsonObject Unmapped(ChatRequest r) => r.Unmapped ??= [];

    private static bool TryGet(JsonElement obj, string camelName, out JsonElement value)
    {
        foreach (var p in obj.EnumerateObject())
        {
            if (GeminiWire.Camel(p.Name) == camelName)
            {
                value = p.Value;
                return true;
            }
        }

        value = default;
        return false;
    }

    private static string RequireString(JsonElement obj, string name, string path) =>
        TryGet(obj, name, out var v) && v.ValueKind == JsonValueKind.String
            ? v.GetString()!
            : throw Fail($"{name} is required and must be a string.", $"{path}.{name}");

    private static string? OptionalString(JsonElement obj, string name, string path)
    {
        if (!TryGet(obj, name, out var v) || v.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        return v.ValueKind == JsonValueKind.String ? v.GetString() : throw Fail($"{name} must be a string.", $"{path}.{name}");
    }

    private static double Number(JsonElement v, string path) =>
        v.ValueKind == JsonValueKind.Number && double.IsFinite(v.GetDouble()) ? v.GetDouble() : throw Fail("The value must be a number.", path);

    private static int Int(JsonElement v, string path) =>
        v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out int i) ? i : throw Fail("The value must be an integer.", path);

    private static void RequireObject(JsonElement v, string path)
    {
        if (v.ValueKind != JsonValueKind.Object)
        {
            throw Fail("The value must be an object.", path);
        }
    }

    private static void RequireArray(JsonElement v, string path)
    {
        if (v.ValueKind != JsonValueKind.Array)
        {
            throw Fail("The value must be an array.", path);
        }
    }

    private static DecodeFailure Fail(string message, string path) =>
        new(RelayError.BadRequest($"Invalid value at '{path}': {message}", path));

    /// <summary>Unwinds a nested decode to its TryDecode entry point; never leaves this class.</summary>
    private sealed class DecodeFailure(RelayError error) : Exception(error.Message)
    {
        public RelayError Error { get; } = error;
    }

    /// <summary>Synthesizes and matches function-call ids within one request.</summary>
    private sealed class IdContext
    {
        private readonly List<(string Id, string Name, bool Answered)> _calls = [];
        private int _ordinal;
        private int _orphans;

        public string Call(string? id, string name)
        {
            id ??= $"call_{_ordinal}_{GeminiWire.IdSafe(name)}";
            _ordinal++;
            _calls.Add((id, name, false));
            return id;
        }

        public string Result(string? id, string name)
        {
            for (int i = 0; i < _calls.Count; i++)
            {
                var c = _calls[i];
                if (!c.Answered && (id is not null ? c.Id == id : c.Name == name))
                {
                    _calls[i] = (c.Id, c.Name, true);
                    return c.Id;
                }
            }

            return id ?? $"result_{_orphans++}_{GeminiWire.IdSafe(name)}";
        }
    }
}
