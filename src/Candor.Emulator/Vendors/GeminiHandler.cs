using System.Text;
using System.Text.Json;
using Candor.Emulator.Faults;
using Candor.Emulator.Generation;
using Candor.Emulator.Http;

namespace Candor.Emulator.Vendors;

/// <summary>Gemini API: <c>/v1beta/models/{model}:{generateContent|streamGenerateContent|countTokens|embedContent|batchEmbedContents}</c>.</summary>
internal static class GeminiHandler
{
    public static async Task HandleAsync(EmulatorCall call, string model, string action)
    {
        var dialect = GeminiErrors.Instance;
        var key = call.Header("x-goog-api-key") ?? call.QueryValue("key");
        if (!call.KeyMatches(key))
        {
            await Responder.WriteErrorAsync(call, dialect, 401,
                "Request is missing required authentication credential. Expected OAuth 2 access token, login cookie or other valid authentication credential.")
                .ConfigureAwait(false);
            return;
        }

        if (action is not ("generateContent" or "streamGenerateContent" or "countTokens" or "embedContent" or "batchEmbedContents"))
        {
            await Responder.WriteErrorAsync(call, dialect, 404, "Method not found.").ConfigureAwait(false);
            return;
        }

        if (!Json.TryParse(call.Body, out var document))
        {
            await Responder.WriteErrorAsync(call, dialect, 400, "Invalid JSON payload received.").ConfigureAwait(false);
            return;
        }

        using (document)
        {
            var root = document!.RootElement;
            var spec = call.Spec.Merge(Directives.Find(root));
            var generateRequest = action == "countTokens" && Json.Get(root, "generateContentRequest", "generate_content_request") is
            { ValueKind: JsonValueKind.Object } inner ? inner : root;
            var query = Parse(generateRequest, model);
            if (await Responder.ApplyPreFaultsAsync(call, spec, dialect, () => string.Join('\n', query.Messages.Select(m => m.Text)))
                .ConfigureAwait(false))
            {
                return;
            }

            if (model.StartsWith("missing", StringComparison.OrdinalIgnoreCase))
            {
                await Responder.WriteErrorAsync(call, dialect, 404,
                    $"models/{model} is not found for API version v1beta, or is not supported for {action}. Call ListModels to see the list of available models and their supported methods.")
                    .ConfigureAwait(false);
                return;
            }

            switch (action)
            {
                case "countTokens":
                    var total = TokenEstimator.Count(query);
                    await Responder.WriteJsonAsync(call, 200, Json.Write(w =>
                    {
                        w.WriteStartObject();
                        w.WriteNumber("totalTokens", total);
                        w.WriteEndObject();
                    }), spec).ConfigureAwait(false);
                    return;
                case "embedContent":
                    await Responder.WriteJsonAsync(call, 200, Json.Write(w =>
                    {
                        w.WriteStartObject();
                        WriteEmbedding(w, "embedding", root);
                        w.WriteEndObject();
                    }), spec).ConfigureAwait(false);
                    return;
                case "batchEmbedContents":
                    await Responder.WriteJsonAsync(call, 200, Json.Write(w =>
                    {
                        w.WriteStartObject();
                        w.WriteStartArray("embeddings");
                        foreach (var request in Json.Items(Json.Get(root, "requests")))
                        {
                            WriteEmbedding(w, null, request);
                        }

                        w.WriteEndArray();
                        w.WriteEndObject();
                    }), spec).ConfigureAwait(false);
                    return;
            }

            if (!query.Messages.Any(m => m.Role != "system"))
            {
                await Responder.WriteErrorAsync(call, dialect, 400, "* GenerateContentRequest.contents: contents is not specified").ConfigureAwait(false);
                return;
            }

            var completion = CompletionGenerator.Generate(query, call.Options.Spare(spec, query), call.Options.Seed, call.Options.NextNonce(), call.Options.CheaperModels);
            var responseId = Ids.Random(22);
            if (action == "streamGenerateContent")
            {
                var style = call.QueryValue("alt") == "sse" ? StreamStyle.Sse : StreamStyle.JsonArray;
                await Responder.StreamAsync(call, spec, StreamFrames(completion, responseId), style).ConfigureAwait(false);
            }
            else
            {
                await Responder.WriteJsonAsync(call, 200, Json.Write(w => WriteResponse(w, completion, responseId, completion.Choices, final: true)), spec)
                    .ConfigureAwait(false);
            }
        }
    }

    private static void WriteEmbedding(Utf8JsonWriter w, string? name, JsonElement request)
    {
        var text = new StringBuilder();
        foreach (var part in Json.Items(Json.Get(Json.Get(request, "content"), "parts")))
        {
            text.Append(Json.String(part, "text"));
        }

        var dimensions = Json.Int(request, "outputDimensionality") ?? Json.Int(request, "output_dimensionality") ?? Embedder.DefaultDimensions;
        if (name is null)
        {
            w.WriteStartObject();
        }
        else
        {
            w.WriteStartObject(name);
        }

        w.WriteStartArray("values");
        foreach (var value in Embedder.Embed(text.ToString(), dimensions))
        {
            w.WriteNumberValue(value);
        }

        w.WriteEndArray();
        w.WriteEndObject();
    }

    private static ChatQuery Parse(JsonElement root, string model)
    {
        var query = new ChatQuery { Model = model };
        var system = Json.Get(root, "systemInstruction", "system_instruction");
        if (system.ValueKind == JsonValueKind.Object)
        {
            var text = new StringBuilder();
            foreach (var part in Json.Items(Json.Get(system, "parts")))
            {
                Append(text, Json.String(part, "text"));
            }

            query.Messages.Add(new QueryMessage("system", text.ToString(), 0, false));
        }

        foreach (var content in Json.Items(Json.Get(root, "contents")))
        {
            var role = Json.String(content, "role") ?? "user";
            var text = new StringBuilder();
            var images = 0;
            var isToolResult = role == "function";
            foreach (var part in Json.Items(Json.Get(content, "parts")))
            {
                if (Json.String(part, "text") is { } t)
                {
                    Append(text, t);
                }

                var inline = Json.Get(part, "inlineData", "inline_data");
                var file = Json.Get(part, "fileData", "file_data");
                var mime = Json.String(inline, "mimeType") ?? Json.String(inline, "mime_type") ??
                    Json.String(file, "mimeType") ?? Json.String(file, "mime_type");
                if (mime is not null && mime.StartsWith("image/", StringComparison.OrdinalIgnoreCase))
                {
                    images++;
                }

                var functionCall = Json.Get(part, "functionCall", "function_call");
                if (functionCall.ValueKind == JsonValueKind.Object)
                {
                    Append(text, Json.String(functionCall, "name"));
                    var args = Json.Get(functionCall, "args");
                    Append(text, args.ValueKind == JsonValueKind.Undefined ? null : args.GetRawText());
                }

                var functionResponse = Json.Get(part, "functionResponse", "function_response");
                if (functionResponse.ValueKind == JsonValueKind.Object)
                {
                    isToolResult = true;
                    var response = Json.Get(functionResponse, "response");
                    Append(text, response.ValueKind == JsonValueKind.Undefined ? null : response.GetRawText());
                }
            }

            query.Messages.Add(new QueryMessage(
                role switch
                {
                    "model" => "assistant",
                    "function" => "user",
                    _ => role,
                },
                text.ToString(),
                images,
                isToolResult));
        }

        var callingConfig = Json.Get(Json.Get(root, "toolConfig", "tool_config"), "functionCallingConfig", "function_calling_config");
        var allowed = Json.Items(Json.Get(callingConfig, "allowedFunctionNames", "allowed_function_names"))
            .Where(e => e.ValueKind == JsonValueKind.String).Select(e => e.GetString()!).ToHashSet(StringComparer.Ordinal);
        foreach (var tool in Json.Items(Json.Get(root, "tools")))
        {
            foreach (var declaration in Json.Items(Json.Get(tool, "functionDeclarations", "function_declarations")))
            {
                if (Json.String(declaration, "name") is { } name && (allowed.Count == 0 || allowed.Contains(name)))
                {
                    var schema = Json.Get(declaration, "parameters");
                    if (schema.ValueKind == JsonValueKind.Undefined)
                    {
                        schema = Json.Get(declaration, "parametersJsonSchema", "parameters_json_schema");
                    }

                    query.Tools.Add(new QueryTool(name, Json.String(declaration, "description"), schema));
                }
            }
        }

        switch (Json.String(callingConfig, "mode")?.ToUpperInvariant())
        {
            case "NONE":
                query.ToolMode = ToolMode.None;
                break;
            case "ANY":
                query.ToolMode = ToolMode.Required;
                break;
        }

        var config = Json.Get(root, "generationConfig", "generation_config");
        query.MaxTokens = Json.Int(config, "maxOutputTokens") ?? Json.Int(config, "max_output_tokens");
        foreach (var stop in Json.Items(Json.Get(config, "stopSequences", "stop_sequences")))
        {
            if (stop.ValueKind == JsonValueKind.String)
            {
                query.Stop.Add(stop.GetString()!);
            }
        }

        query.N = Json.Int(config, "candidateCount") ?? Json.Int(config, "candidate_count") ?? 1;
        query.Seed = Json.Long(config, "seed");
        query.Temperature = Json.Double(config, "temperature");
        var thinking = Json.Get(config, "thinkingConfig", "thinking_config");
        if ((Json.Bool(thinking, "includeThoughts") ?? Json.Bool(thinking, "include_thoughts")) == true)
        {
            var budget = Json.Int(thinking, "thinkingBudget") ?? Json.Int(thinking, "thinking_budget");
            query.Thinking = budget != 0;
            query.ThinkingBudget = budget is > 0 ? budget : null;
        }

        return query;
    }

    private static void Append(StringBuilder text, string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return;
        }

        if (text.Length > 0)
        {
            text.Append('\n');
        }

        text.Append(value);
    }

    private static string FinishReason(FinishKind finish) => finish == FinishKind.Length ? "MAX_TOKENS" : "STOP";

    private static void WriteFunctionCall(Utf8JsonWriter w, GeneratedToolCall call)
    {
        w.WriteStartObject();
        w.WriteStartObject("functionCall");
        w.WriteString("id", call.IdSuffix);
        w.WriteString("name", call.Name);
        w.WritePropertyName("args");
        w.WriteRawValue(call.ArgumentsJson);
        w.WriteEndObject();
        w.WriteEndObject();
    }

    private static void WriteResponse(Utf8JsonWriter w, Completion completion, string responseId, IEnumerable<GeneratedChoice> choices, bool final)
    {
        w.WriteStartObject();
        w.WriteStartArray("candidates");
        foreach (var choice in choices)
        {
            w.WriteStartObject();
            w.WriteStartObject("content");
            w.WriteStartArray("parts");
            if (choice.ThinkingTokens.Count > 0)
            {
                w.WriteStartObject();
                w.WriteString("text", choice.ThinkingText);
                w.WriteBoolean("thought", true);
                w.WriteEndObject();
            }

            if (choice.ToolCalls.Count == 0)
            {
                w.WriteStartObject();
                w.WriteString("text", choice.Text);
                w.WriteEndObject();
            }

            foreach (var call in choice.ToolCalls)
            {
                WriteFunctionCall(w, call);
            }

            w.WriteEndArray();
            w.WriteString("role", "model");
            w.WriteEndObject();
            w.WriteString("finishReason", FinishReason(choice.Finish));
            w.WriteNumber("index", choice.Index);
            w.WriteEndObject();
        }

        w.WriteEndArray();
        WriteUsage(w, completion, final);
        w.WriteString("modelVersion", completion.ReportedModel);
        w.WriteString("responseId", responseId);
        w.WriteEndObject();
    }

    private static void WriteUsage(Utf8JsonWriter w, Completion completion, bool final)
    {
        var thoughts = completion.ReasoningTokens;
        var candidates = completion.Inflate(completion.ActualCompletionTokens - thoughts);
        w.WriteStartObject("usageMetadata");
        w.WriteNumber("promptTokenCount", completion.PromptTokens);
        if (final)
        {
            w.WriteNumber("candidatesTokenCount", candidates);
        }

        w.WriteNumber("totalTokenCount", completion.PromptTokens + (final ? candidates + thoughts : 0));
        if (completion.CachedTokens > 0)
        {
            w.WriteNumber("cachedContentTokenCount", completion.CachedTokens);
        }

        if (final && thoughts > 0)
        {
            w.WriteNumber("thoughtsTokenCount", thoughts);
        }

        w.WriteEndObject();
    }

    private static IEnumerable<Frame> StreamFrames(Completion completion, string responseId)
    {
        for (var c = 0; c < completion.Choices.Count; c++)
        {
            var choice = completion.Choices[c];
            var parts = new List<Action<Utf8JsonWriter>>();
            foreach (var token in choice.ThinkingTokens)
            {
                parts.Add(w =>
                {
                    w.WriteStartObject();
                    w.WriteString("text", token);
                    w.WriteBoolean("thought", true);
                    w.WriteEndObject();
                });
            }

            foreach (var token in choice.TextTokens)
            {
                parts.Add(w =>
                {
                    w.WriteStartObject();
                    w.WriteString("text", token);
                    w.WriteEndObject();
                });
            }

            foreach (var call in choice.ToolCalls)
            {
                parts.Add(w => WriteFunctionCall(w, call));
            }

            if (parts.Count == 0)
            {
                parts.Add(w =>
                {
                    w.WriteStartObject();
                    w.WriteString("text", string.Empty);
                    w.WriteEndObject();
                });
            }

            for (var p = 0; p < parts.Count; p++)
            {
                var lastPart = p == parts.Count - 1;
                var final = lastPart && c == completion.Choices.Count - 1;
                var part = parts[p];
                yield return new Frame(null, Json.Write(w =>
                {
                    w.WriteStartObject();
                    w.WriteStartArray("candidates");
                    w.WriteStartObject();
                    w.WriteStartObject("content");
                    w.WriteStartArray("parts");
                    part(w);
                    w.WriteEndArray();
                    w.WriteString("role", "model");
                    w.WriteEndObject();
                    if (lastPart)
                    {
                        w.WriteString("finishReason", FinishReason(choice.Finish));
                    }

                    w.WriteNumber("index", choice.Index);
                    w.WriteEndObject();
                    w.WriteEndArray();
                    WriteUsage(w, completion, final);
                    w.WriteString("modelVersion", completion.ReportedModel);
                    w.WriteString("responseId", responseId);
                    w.WriteEndObject();
                }));
            }
        }
    }
}
