using System.Text.Json;
using System.Text.Json.Nodes;
using Candor.Protocols.Canonical;

namespace Candor.Protocols.Gemini;

/// <summary>Writes a canonical request as a Gemini <c>generateContent</c> body (the model and the stream
/// mode travel in the URL).
/// <list type="bullet">
/// <item>System and developer messages, wherever they stand, become <c>systemInstruction</c> text parts.</item>
/// <item>User and tool messages become <c>user</c> contents, assistant messages <c>model</c> contents;
/// consecutive contents of the same role merge, as Gemini expects turns to alternate.</item>
/// <item>A tool result becomes <c>functionResponse{id, name, response}</c>. The response is the result text
/// itself when that text is a JSON object, else <c>{"output": text}</c> (<c>{"error": text}</c> for an
/// error result): the keys Gemini's FunctionResponse documentation names. Images in tool results are
/// dropped. A result without a name takes the name of the call with its id.</item>
/// <item>Tool parameters travel as <c>parametersJsonSchema</c> (full JSON Schema, which Gemini accepts),
/// not as the OpenAPI-subset <c>parameters</c>, so no keyword needs stripping.</item>
/// <item>Thinking text from history is sent back only when the request came from a Gemini client (thought parts are
/// Gemini's own); other protocols' reasoning is dropped, except a signature without text, which becomes the
/// thoughtSignature of the next part written: it is the signature Gemini gave that part (a function call's, which
/// Gemini 3 requires back) as the client carried it: an Anthropic client as a thinking block of its own, an OpenAI
/// client in the call's id.</item>
/// <item>OpenAI reasoning_effort maps to thinkingBudget as Gemini's OpenAI compatibility layer does
/// (none 0, minimal/low 1024, medium 8192, high 24576) when no explicit budget is set.</item>
/// <item>ParallelToolCalls, User, Metadata and logit-style options have no Gemini field and are dropped.</item>
/// </list></summary>
public static class GeminiRequestEncoder
{
    /// <summary>Returns a 400 error for requests that cannot be expressed in Gemini's wire, else null.</summary>
    public static RelayError? CheckSupported(ChatRequest request)
    {
        var names = new Dictionary<string, string>(StringComparer.Ordinal);
        bool anyContent = false;
        foreach (var message in request.Messages)
        {
            foreach (var part in message.Parts)
            {
                switch (part)
                {
                    case ToolCallPart call:
                        if (!string.IsNullOrWhiteSpace(call.ArgumentsJson) && !IsJsonObject(call.ArgumentsJson))
                        {
                            return RelayError.BadRequest("A tool call's arguments are not a JSON object; Gemini needs an object.", "messages");
                        }

                        names[call.Id] = call.Name;
                        break;
                    case ToolResultPart result when result.Name is null && !names.ContainsKey(result.ToolCallId):
                        return RelayError.BadRequest("A tool result refers to a tool call that is not in the conversation; Gemini needs the function name.", "messages");
                    case ImagePart { Base64Data: null, Url: null }:
                    case FilePart { Base64Data: null, Url: null }:
                        return RelayError.BadRequest("A media part has neither data nor a URL.", "messages");
                }
            }

            anyContent |= message.Role is not (ChatRole.System or ChatRole.Developer);
        }

        if (!anyContent)
        {
            return RelayError.BadRequest("Gemini needs at least one user or assistant message.", "messages");
        }

        if (request.Seed is long seed && (seed < int.MinValue || seed > int.MaxValue))
        {
            return RelayError.BadRequest("Gemini's seed is a 32-bit integer.", "seed");
        }

        return null;
    }

    /// <summary>Writes the generateContent body.</summary>
    public static void Write(ChatRequest request, Utf8JsonWriter writer)
    {
        writer.WriteStartObject();
        WriteFields(request, writer);
        writer.WriteEndObject();
    }

    /// <summary>Writes a countTokens body in the <c>{generateContentRequest:{model, …}}</c> form, which
    /// counts the system instruction and tools as well as the contents.</summary>
    public static void WriteCountTokens(ChatRequest request, string upstreamModel, Utf8JsonWriter writer)
    {
        writer.WriteStartObject();
        writer.WriteStartObject("generateContentRequest");
        writer.WriteString("model", ModelResource(upstreamModel));
        WriteFields(request, writer);
        writer.WriteEndObject();
        writer.WriteEndObject();
    }

    /// <summary>The resource name <c>models/X</c> for a model given with or without the prefix.</summary>
    public static string ModelResource(string model) =>
        model.Contains('/', StringComparison.Ordinal) ? model : "models/" + model;

    private static void WriteFields(ChatRequest request, Utf8JsonWriter writer)
    {
        bool gemini = request.SourceProtocol == WireProtocol.Gemini;
        var unmapped = gemini ? request.Unmapped : null;

        WriteContents(request, writer, gemini);
        WriteSystem(request, writer);
        WriteTools(request, writer, unmapped?["tools"] as JsonArray);
        WriteToolConfig(request, writer, unmapped?["toolConfig"] as JsonObject);
        WriteGenerationConfig(request, writer, unmapped?["generationConfig"] as JsonObject, gemini);

        if (unmapped is not null)
        {
            foreach (var (key, value) in unmapped)
            {
                if (key is "tools" or "toolConfig" or "generationConfig" or "contents" or "systemInstruction" or "model")
                {
                    continue;
                }

                writer.WritePropertyName(key);
                WriteNode(writer, value);
            }
        }
    }

    private static void WriteSystem(ChatRequest request, Utf8JsonWriter writer)
    {
        bool open = false;
        foreach (var message in request.Messages)
        {
            if (message.Role is not (ChatRole.System or ChatRole.Developer))
            {
                continue;
            }

            foreach (var part in message.Parts.OfType<TextPart>())
            {
                if (!open)
                {
                    writer.WriteStartObject("systemInstruction");
                    writer.WriteStartArray("parts");
                    open = true;
                }

                writer.WriteStartObject();
                writer.WriteString("text", part.Text);
                writer.WriteEndObject();
            }
        }

        if (open)
        {
            writer.WriteEndArray();
            writer.WriteEndObject();
        }
    }

    private static void WriteContents(ChatRequest request, Utf8JsonWriter writer, bool gemini)
    {
        var names = new Dictionary<string, string>(StringComparer.Ordinal);
        writer.WriteStartArray("contents");
        string? openRole = null;
        foreach (var message in request.Messages)
        {
            string role;
            switch (message.Role)
            {
                case ChatRole.System or ChatRole.Developer:
                    continue;
                case ChatRole.Assistant:
                    role = "model";
                    break;
                default:
                    role = "user";
                    break;
            }

            string? pendingSignature = null;
            foreach (var part in message.Parts)
            {
                if (!WillWrite(part, gemini))
                {
                    // A signature without thinking text goes on the next part written: Gemini's own signature of a
                    // function call or first part, as any client carried it back (a Gemini client on the part, an
                    // Anthropic client as a thinking block of its own, an OpenAI client in the call's id).
                    if (part is ThinkingPart { Text.Length: 0, Signature: { Length: > 0 } sig })
                    {
                        pendingSignature = sig;
                    }

                    continue;
                }

                if (openRole != role)
                {
                    if (openRole is not null)
                    {
                        writer.WriteEndArray();
                        writer.WriteEndObject();
                    }

                    writer.WriteStartObject();
                    writer.WriteString("role", role);
                    writer.WriteStartArray("parts");
                    openRole = role;
                }

                WritePart(part, writer, gemini, names, ref pendingSignature);
            }
        }

        if (openRole is not null)
        {
            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
    }

    private static bool WillWrite(ContentPart part, bool gemini) => part switch
    {
        TextPart t => t.Text.Length > 0 || (gemini && HasSignature(t.Extra)),
        ThinkingPart th => gemini && th.Text.Length > 0,
        RedactedThinkingPart => false,
        _ => true,
    };

    private static bool HasSignature(JsonElement? extra) =>
        extra is { ValueKind: JsonValueKind.Object } e && e.TryGetProperty("thoughtSignature", out _);

    private static void WritePart(ContentPart part, Utf8JsonWriter writer, bool gemini, Dictionary<string, string> names, ref string? pendingSignature)
    {
        writer.WriteStartObject();
        switch (part)
        {
            case TextPart t:
                writer.WriteString("text", t.Text);
                break;
            case ThinkingPart th:
                writer.WriteString("text", th.Text);
                writer.WriteBoolean("thought", true);
                if (th.Signature is not null)
                {
                    writer.WriteString("thoughtSignature", th.Signature);
                }

                break;
            case ImagePart image:
                WriteMedia(writer, image.Url, image.MediaType, image.Base64Data);
                break;
            case FilePart file:
                WriteMedia(writer, file.Url, file.MediaType, file.Base64Data);
                break;
            case ToolCallPart call:
                names[call.Id] = call.Name;
                writer.WriteStartObject("functionCall");
                writer.WriteString("id", call.Id);
                writer.WriteString("name", call.Name);
                writer.WritePropertyName("args");
                if (IsJsonObject(call.ArgumentsJson))
                {
                    writer.WriteRawValue(call.ArgumentsJson, skipInputValidation: true);
                }
                else
                {
                    writer.WriteStartObject();
                    writer.WriteEndObject();
                }

                writer.WriteEndObject();
                break;
            case ToolResultPart result:
                writer.WriteStartObject("functionResponse");
                writer.WriteString("id", result.ToolCallId);
                writer.WriteString("name", result.Name ?? names.GetValueOrDefault(result.ToolCallId) ?? "unknown");
                writer.WritePropertyName("response");
                string text = result.Text();
                if (!result.IsError && IsJsonObject(text))
                {
                    writer.WriteRawValue(text, skipInputValidation: true);
                }
                else
                {
                    writer.WriteStartObject();
                    writer.WriteString(result.IsError ? "error" : "output", text);
                    writer.WriteEndObject();
                }

                writer.WriteEndObject();
                break;
        }

        bool wroteSignature = part is ThinkingPart { Signature: not null };
        if (gemini && part.Extra is { ValueKind: JsonValueKind.Object } extra)
        {
            foreach (var p in extra.EnumerateObject())
            {
                if (part is ThinkingPart && p.NameEquals("thoughtSignature"))
                {
                    continue;
                }

                wroteSignature |= p.NameEquals("thoughtSignature");
                p.WriteTo(writer);
            }
        }

        if (pendingSignature is not null && !wroteSignature && part is not ThinkingPart)
        {
            writer.WriteString("thoughtSignature", pendingSignature);
        }

        pendingSignature = null;
        writer.WriteEndObject();
    }

    private static void WriteMedia(Utf8JsonWriter writer, string? url, string? mediaType, string? base64)
    {
        if (base64 is null && url is not null && url.StartsWith("data:", StringComparison.OrdinalIgnoreCase))
        {
            var split = ImagePart.FromUrl(url);
            (url, mediaType, base64) = (split.Url, split.MediaType ?? mediaType, split.Base64Data);
        }

        if (base64 is not null)
        {
            writer.WriteStartObject("inlineData");
            writer.WriteString("mimeType", mediaType ?? "application/octet-stream");
            writer.WriteString("data", base64);
            writer.WriteEndObject();
            return;
        }

        writer.WriteStartObject("fileData");
        string? mime = mediaType ?? GuessMediaType(url!);
        if (mime is not null)
        {
            writer.WriteString("mimeType", mime);
        }

        writer.WriteString("fileUri", url);
        writer.WriteEndObject();
    }

    /// <summary>Guesses a media type from a URL's extension (Gemini wants one on fileData).</summary>
    internal static string? GuessMediaType(string url)
    {
        string path = url;
        int cut = path.IndexOfAny(['?', '#']);
        if (cut >= 0)
        {
            path = path[..cut];
        }

        string ext = Path.GetExtension(path).ToLowerInvariant();
        return ext switch
        {
            ".png" => "image/png",
            ".jpg" or ".jpeg" => "image/jpeg",
            ".webp" => "image/webp",
            ".gif" => "image/gif",
            ".heic" => "image/heic",
            ".heif" => "image/heif",
            ".pdf" => "application/pdf",
            ".txt" => "text/plain",
            ".mp3" => "audio/mp3",
            ".wav" => "audio/wav",
            ".mp4" => "video/mp4",
            _ => null,
        };
    }

    private static void WriteTools(ChatRequest request, Utf8JsonWriter writer, JsonArray? otherTools)
    {
        if (request.Tools.Count == 0 && otherTools is null)
        {
            return;
        }

        writer.WriteStartArray("tools");
        if (request.Tools.Count > 0)
        {
            writer.WriteStartObject();
            writer.WriteStartArray("functionDeclarations");
            foreach (var tool in request.Tools)
            {
                writer.WriteStartObject();
                writer.WriteString("name", tool.Name);
                if (tool.Description is not null)
                {
                    writer.WriteString("description", tool.Description);
                }

                if (tool.Parameters is { ValueKind: JsonValueKind.Object } schema)
                {
                    writer.WritePropertyName("parametersJsonSchema");
                    schema.WriteTo(writer);
                }

                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        if (otherTools is not null)
        {
            foreach (var tool in otherTools)
            {
                WriteNode(writer, tool);
            }
        }

        writer.WriteEndArray();
    }

    private static void WriteToolConfig(ChatRequest request, Utf8JsonWriter writer, JsonObject? extra)
    {
        var choice = request.ToolChoice;
        var callingExtra = extra?["functionCallingConfig"] as JsonObject;
        if (choice is null && extra is null)
        {
            return;
        }

        writer.WriteStartObject("toolConfig");
        if (choice is not null || callingExtra is not null)
        {
            writer.WriteStartObject("functionCallingConfig");
            string? extraMode = callingExtra?["mode"] is JsonValue mv && mv.TryGetValue(out string? m) ? m : null;
            string? mode = choice?.Mode switch
            {
                ToolChoiceMode.Auto => extraMode ?? "AUTO",
                ToolChoiceMode.None => "NONE",
                ToolChoiceMode.Required or ToolChoiceMode.Specific => "ANY",
                _ => extraMode,
            };
            if (mode is not null)
            {
                writer.WriteString("mode", mode);
            }

            if (choice is { Mode: ToolChoiceMode.Specific, Name: { } name })
            {
                writer.WriteStartArray("allowedFunctionNames");
                writer.WriteStringValue(name);
                writer.WriteEndArray();
            }
            else if (callingExtra?["allowedFunctionNames"] is JsonNode allowed && choice?.Mode is not ToolChoiceMode.None)
            {
                writer.WritePropertyName("allowedFunctionNames");
                WriteNode(writer, allowed);
            }

            writer.WriteEndObject();
        }

        if (extra is not null)
        {
            foreach (var (key, value) in extra)
            {
                if (key != "functionCallingConfig")
                {
                    writer.WritePropertyName(key);
                    WriteNode(writer, value);
                }
            }
        }

        writer.WriteEndObject();
    }

    private static void WriteGenerationConfig(ChatRequest request, Utf8JsonWriter writer, JsonObject? extra, bool gemini)
    {
        var written = new HashSet<string>(StringComparer.Ordinal);
        bool open = false;

        void Open()
        {
            if (!open)
            {
                writer.WriteStartObject("generationConfig");
                open = true;
            }
        }

        void Name(string name)
        {
            Open();
            written.Add(name);
            writer.WritePropertyName(name);
        }

        if (request.Stop.Count > 0)
        {
            Name("stopSequences");
            writer.WriteStartArray();
            foreach (var s in request.Stop)
            {
                writer.WriteStringValue(s);
            }

            writer.WriteEndArray();
        }

        var format = request.ResponseFormat;
        if (format is { Kind: ResponseFormatKind.JsonObject or ResponseFormatKind.JsonSchema })
        {
            Name("responseMimeType");
            writer.WriteStringValue(extra?["responseMimeType"] is JsonValue mv && mv.TryGetValue(out string? m) ? m : "application/json");
            if (format.Kind == ResponseFormatKind.JsonSchema && format.Schema is { ValueKind: JsonValueKind.Object } schema
                && extra?["responseSchema"] is null)
            {
                Name("responseJsonSchema");
                schema.WriteTo(writer);
            }
        }
        else if (format is { Kind: ResponseFormatKind.Text })
        {
            Name("responseMimeType");
            writer.WriteStringValue("text/plain");
        }

        if (request.N is int n)
        {
            Name("candidateCount");
            writer.WriteNumberValue(n);
        }

        if (request.MaxOutputTokens is int max)
        {
            Name("maxOutputTokens");
            writer.WriteNumberValue(max);
        }

        if (request.Temperature is double temperature)
        {
            Name("temperature");
            writer.WriteNumberValue(temperature);
        }

        if (request.TopP is double topP)
        {
            Name("topP");
            writer.WriteNumberValue(topP);
        }

        if (request.TopK is int topK)
        {
            Name("topK");
            writer.WriteNumberValue(topK);
        }

        if (request.Seed is long seed)
        {
            Name("seed");
            writer.WriteNumberValue(seed);
        }

        if (request.PresencePenalty is double presence)
        {
            Name("presencePenalty");
            writer.WriteNumberValue(presence);
        }

        if (request.FrequencyPenalty is double frequency)
        {
            Name("frequencyPenalty");
            writer.WriteNumberValue(frequency);
        }

        if (request.Logprobs is bool logprobs)
        {
            Name("responseLogprobs");
            writer.WriteBooleanValue(logprobs);
        }

        if (request.TopLogprobs is int top)
        {
            Name("logprobs");
            writer.WriteNumberValue(top);
        }

        int? budget = request.ThinkingBudget ?? EffortBudget(request.ReasoningEffort);
        var thinkingExtra = extra?["thinkingConfig"] as JsonObject;
        if (budget is not null || thinkingExtra is not null)
        {
            Name("thinkingConfig");
            writer.WriteStartObject();
            if (budget is int b)
            {
                writer.WriteNumber("thinkingBudget", b);
            }

            if (thinkingExtra is not null)
            {
                foreach (var (key, value) in thinkingExtra)
                {
                    writer.WritePropertyName(key);
                    WriteNode(writer, value);
                }
            }
            else if (!gemini && budget > 0)
            {
                // Clients of other protocols that ask for thinking expect to see it.
                writer.WriteBoolean("includeThoughts", true);
            }

            writer.WriteEndObject();
        }

        if (extra is not null)
        {
            foreach (var (key, value) in extra)
            {
                if (!written.Contains(key) && key != "thinkingConfig")
                {
                    Name(key);
                    WriteNode(writer, value);
                }
            }
        }

        if (open)
        {
            writer.WriteEndObject();
        }
    }

    private static void WriteNode(Utf8JsonWriter writer, JsonNode? node)
    {
        if (node is null)
        {
            writer.WriteNullValue();
        }
        else
        {
            node.WriteTo(writer);
        }
    }

    private static bool IsJsonObject(string text)
    {
        var span = text.AsSpan().TrimStart();
        if (span.IsEmpty || span[0] != '{')
        {
            return false;
        }

        try
        {
            using var doc = JsonDocument.Parse(text);
            return doc.RootElement.ValueKind == JsonValueKind.Object;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    /// <summary>The thinking budget an OpenAI-style reasoning effort maps to (none 0, minimal and low 1024, medium 8192,
    /// high 24576); null for no or another effort.</summary>
    private static int? EffortBudget(string? effort) => effort switch
    {
        "none" => 0,
        "minimal" or "low" => 1024,
        "medium" => 8192,
        "high" => 24576,
        _ => null,
    };

    /// <summary>What the encoder makes of an OpenAI-style <c>reasoning_effort</c> when the request has no thinking budget of
    /// its own: <c>"high -> thinking_budget 24576"</c>, or <c>"xhigh -> no thinking budget"</c> for an effort it does not
    /// map; null when the request carries no such effort.</summary>
    public static string? ReasoningMapping(ChatRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.ReasoningEffort is not { } effort || request.ThinkingBudget is not null)
        {
            return null;
        }

        return EffortBudget(effort) is int budget
            ? effort + " -> thinking_budget " + budget.ToString(System.Globalization.CultureInfo.InvariantCulture)
            : effort + " -> no thinking budget";
    }
}
