using System.Globalization;
using System.Text;
using System.Text.Json;
using Candor.Emulator.Faults;
using Candor.Emulator.Generation;
using Candor.Emulator.Http;

namespace Candor.Emulator.Vendors;

/// <summary>OpenAI chat completions, embeddings and models; also Azure OpenAI's deployment routes.</summary>
internal static class OpenAiHandler
{
    private static readonly string[] ModelIds =
        ["gpt-4o", "gpt-4o-mini", "gpt-4.1", "o3-mini", "deepseek-chat", "deepseek-reasoner", "text-embedding-3-small", "text-embedding-3-large"];

    public static async Task ChatAsync(EmulatorCall call, string? azureDeployment)
    {
        var dialect = Dialect(azureDeployment);
        if (!await PrecheckAsync(call, azureDeployment).ConfigureAwait(false))
        {
            return;
        }

        if (!Json.TryParse(call.Body, out var document))
        {
            await Responder.WriteErrorAsync(call, dialect, 400,
                "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON.)")
                .ConfigureAwait(false);
            return;
        }

        using (document)
        {
            var root = document!.RootElement;
            var spec = call.Spec.Merge(Directives.Find(root));
            var model = azureDeployment ?? Json.String(root, "model");
            var query = model is null ? null : ParseChat(root, model);
            if (await Responder.ApplyPreFaultsAsync(call, spec, dialect, () => AllText(query)).ConfigureAwait(false))
            {
                return;
            }

            if (model is null)
            {
                await Responder.WriteErrorAsync(call, dialect, 400, "you must provide a model parameter").ConfigureAwait(false);
                return;
            }

            if (query!.Messages.Count == 0)
            {
                await Responder.WriteErrorAsync(call, dialect, 400, "Invalid 'messages': empty array. Expected an array with minimum length 1.")
                    .ConfigureAwait(false);
                return;
            }

            if (await MissingModelAsync(call, model, azureDeployment).ConfigureAwait(false))
            {
                return;
            }

            var completion = CompletionGenerator.Generate(query, call.Options.Spare(spec, query), call.Options.Seed, call.Options.NextNonce(), call.Options.CheaperModels);
            var shape = new ChatShape(
                "chatcmpl-" + Ids.Random(29),
                DateTimeOffset.UtcNow.ToUnixTimeSeconds(),
                completion.ReportedModel,
                "fp_" + Ids.Hex(Hash.Of(spec.ServeModel ?? model), 10),
                query.ToolMode == ToolMode.Forced,
                Json.Bool(root, "logprobs") == true,
                Math.Clamp(Json.Int(root, "top_logprobs") ?? 0, 0, 20));

            if (Json.Bool(root, "stream") == true)
            {
                var includeUsage = Json.Bool(Json.Get(root, "stream_options"), "include_usage") == true;
                await Responder.StreamAsync(call, spec, StreamFrames(completion, shape, includeUsage), StreamStyle.Sse).ConfigureAwait(false);
            }
            else
            {
                await Responder.WriteJsonAsync(call, 200, ChatJson(completion, shape), spec).ConfigureAwait(false);
            }
        }
    }

    public static async Task EmbeddingsAsync(EmulatorCall call, string? azureDeployment)
    {
        var dialect = Dialect(azureDeployment);
        if (!await PrecheckAsync(call, azureDeployment).ConfigureAwait(false))
        {
            return;
        }

        if (!Json.TryParse(call.Body, out var document))
        {
            await Responder.WriteErrorAsync(call, dialect, 400, "We could not parse the JSON body of your request.").ConfigureAwait(false);
            return;
        }

        using (document)
        {
            var root = document!.RootElement;
            var spec = call.Spec.Merge(Directives.Find(root));
            var inputs = EmbeddingInputs(Json.Get(root, "input"), out var tokens);
            if (await Responder.ApplyPreFaultsAsync(call, spec, dialect, () => string.Join(' ', inputs)).ConfigureAwait(false))
            {
                return;
            }

            var model = azureDeployment ?? Json.String(root, "model");
            if (model is null || inputs.Count == 0)
            {
                await Responder.WriteErrorAsync(call, dialect, 400,
                    model is null ? "you must provide a model parameter" : "'input' : input must be a non-empty string or array").ConfigureAwait(false);
                return;
            }

            if (await MissingModelAsync(call, model, azureDeployment).ConfigureAwait(false))
            {
                return;
            }

            var dimensions = Json.Int(root, "dimensions") ?? Embedder.DefaultDimensions;
            var base64 = Json.String(root, "encoding_format") == "base64";
            var body = Json.Write(w =>
            {
                w.WriteStartObject();
                w.WriteString("object", "list");
                w.WriteStartArray("data");
                for (var i = 0; i < inputs.Count; i++)
                {
                    var vector = Embedder.Embed(inputs[i], dimensions);
                    w.WriteStartObject();
                    w.WriteString("object", "embedding");
                    w.WriteNumber("index", i);
                    if (base64)
                    {
                        var bytes = new byte[vector.Length * sizeof(float)];
                        for (var j = 0; j < vector.Length; j++)
                        {
                            System.Buffers.Binary.BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(j * sizeof(float)), vector[j]);
                        }

                        w.WriteString("embedding", Convert.ToBase64String(bytes));
                    }
                    else
                    {
                        w.WriteStartArray("embedding");
                        foreach (var value in vector)
                        {
                            w.WriteNumberValue(value);
                        }

                        w.WriteEndArray();
                    }

                    w.WriteEndObject();
                }

                w.WriteEndArray();
                w.WriteString("model", spec.ReportModel ?? model);
                w.WriteStartObject("usage");
                w.WriteNumber("prompt_tokens", tokens);
                w.WriteNumber("total_tokens", tokens);
                w.WriteEndObject();
                w.WriteEndObject();
            });
            await Responder.WriteJsonAsync(call, 200, body, spec).ConfigureAwait(false);
        }
    }

    public static async Task ModelsAsync(EmulatorCall call)
    {
        if (!await PrecheckAsync(call, null).ConfigureAwait(false))
        {
            return;
        }

        var body = Json.Write(w =>
        {
            w.WriteStartObject();
            w.WriteString("object", "list");
            w.WriteStartArray("data");
            foreach (var id in ModelIds)
            {
                w.WriteStartObject();
                w.WriteString("id", id);
                w.WriteString("object", "model");
                w.WriteNumber("created", 1700000000);
                w.WriteString("owned_by", "system");
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteEndObject();
        });
        await Responder.WriteJsonAsync(call, 200, body).ConfigureAwait(false);
    }

    private static IErrorDialect Dialect(string? azureDeployment) =>
        azureDeployment is null ? OpenAiErrors.Instance : AzureErrors.Instance;

    /// <summary>Auth (and Azure's api-version); answers and returns false when the request must stop here.</summary>
    internal static async Task<bool> PrecheckAsync(EmulatorCall call, string? azureDeployment)
    {
        if (azureDeployment is not null)
        {
            if (string.IsNullOrEmpty(call.QueryValue("api-version")))
            {
                await Responder.WriteJsonAsync(call, 404, AzureErrors.Body("404", "Resource not found")).ConfigureAwait(false);
                return false;
            }

            var key = call.Header("api-key") ?? Bearer(call.Header("authorization"));
            if (!call.KeyMatches(key))
            {
                await Responder.WriteJsonAsync(call, 401, AzureErrors.Body("401",
                    "Access denied due to invalid subscription key or wrong API endpoint. Make sure to provide a valid key for an active subscription and use a correct regional API endpoint for your resource."))
                    .ConfigureAwait(false);
                return false;
            }

            return true;
        }

        var bearer = Bearer(call.Header("authorization"));
        if (!call.KeyMatches(bearer))
        {
            var message = bearer is null
                ? "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY)."
                : "Incorrect API key provided. You can find your API key at https://platform.openai.com/account/api-keys.";
            await Responder.WriteJsonAsync(call, 401, OpenAiErrors.Body(401, message, bearer is null ? null : "invalid_api_key"))
                .ConfigureAwait(false);
            return false;
        }

        return true;
    }

    internal static async Task<bool> MissingModelAsync(EmulatorCall call, string model, string? azureDeployment)
    {
        if (!model.StartsWith("missing", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        var body = azureDeployment is null
            ? OpenAiErrors.Body(404, $"The model `{model}` does not exist or you do not have access to it.", "model_not_found")
            : AzureErrors.Body("DeploymentNotFound",
                "The API deployment for this resource does not exist. If you created the deployment within the last 5 minutes, please wait a moment and try again.");
        await Responder.WriteJsonAsync(call, 404, body).ConfigureAwait(false);
        return true;
    }

    internal static string? Bearer(string? authorization) =>
        authorization is not null && authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)
            ? authorization["Bearer ".Length..].Trim()
            : null;

    private static string AllText(ChatQuery? query) =>
        query is null ? string.Empty : string.Join('\n', query.Messages.Select(m => m.Text));

    private static ChatQuery ParseChat(JsonElement root, string model)
    {
        var query = new ChatQuery { Model = model };
        foreach (var message in Json.Items(Json.Get(root, "messages")))
        {
            var role = Json.String(message, "role") ?? "user";
            var text = new StringBuilder();
            var images = 0;
            var content = Json.Get(message, "content");
            if (content.ValueKind == JsonValueKind.String)
            {
                text.Append(content.GetString());
            }

            foreach (var part in Json.Items(content))
            {
                switch (Json.String(part, "type"))
                {
                    case "text":
                        Append(text, Json.String(part, "text"));
                        break;
                    case "image_url":
                        images++;
                        break;
                }
            }

            foreach (var toolCall in Json.Items(Json.Get(message, "tool_calls")))
            {
                var function = Json.Get(toolCall, "function");
                Append(text, Json.String(function, "name"));
                Append(text, Json.String(function, "arguments"));
            }

            var isTool = role is "tool" or "function";
            query.Messages.Add(new QueryMessage(
                role switch
                {
                    "developer" => "system",
                    "tool" or "function" => "user",
                    _ => role,
                },
                text.ToString(),
                images,
                isTool));
        }

        foreach (var tool in Json.Items(Json.Get(root, "tools")))
        {
            var function = Json.Get(tool, "function");
            if (Json.String(function, "name") is { } name)
            {
                query.Tools.Add(new QueryTool(name, Json.String(function, "description"), Json.Get(function, "parameters")));
            }
        }

        var choice = Json.Get(root, "tool_choice");
        if (choice.ValueKind == JsonValueKind.String)
        {
            query.ToolMode = choice.GetString() switch
            {
                "none" => ToolMode.None,
                "required" => ToolMode.Required,
                _ => ToolMode.Auto,
            };
        }
        else if (Json.String(Json.Get(choice, "function"), "name") is { } forced)
        {
            query.ToolMode = ToolMode.Forced;
            query.ForcedTool = forced;
        }

        query.ParallelToolCalls = Json.Bool(root, "parallel_tool_calls") ?? true;
        query.MaxTokens = Json.Int(root, "max_completion_tokens") ?? Json.Int(root, "max_tokens");
        var stop = Json.Get(root, "stop");
        if (stop.ValueKind == JsonValueKind.String)
        {
            query.Stop.Add(stop.GetString()!);
        }

        foreach (var s in Json.Items(stop))
        {
            if (s.ValueKind == JsonValueKind.String)
            {
                query.Stop.Add(s.GetString()!);
            }
        }

        query.N = Json.Int(root, "n") ?? 1;
        query.Seed = Json.Long(root, "seed");
        query.Temperature = Json.Double(root, "temperature");
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

    private static List<string> EmbeddingInputs(JsonElement input, out int tokens)
    {
        var inputs = new List<string>();
        tokens = 0;
        if (input.ValueKind == JsonValueKind.String)
        {
            inputs.Add(input.GetString()!);
            tokens = Words.Count(inputs[0]);
            return inputs;
        }

        if (input.ValueKind != JsonValueKind.Array)
        {
            return inputs;
        }

        var items = input.EnumerateArray().ToList();
        if (items.Count > 0 && items.All(i => i.ValueKind == JsonValueKind.Number))
        {
            // One input given as token ids.
            inputs.Add(string.Join(',', items.Select(i => i.GetRawText())));
            tokens = items.Count;
            return inputs;
        }

        foreach (var item in items)
        {
            if (item.ValueKind == JsonValueKind.String)
            {
                inputs.Add(item.GetString()!);
                tokens += Words.Count(inputs[^1]);
            }
            else if (item.ValueKind == JsonValueKind.Array)
            {
                inputs.Add(string.Join(',', item.EnumerateArray().Select(i => i.GetRawText())));
                tokens += item.GetArrayLength();
            }
        }

        return inputs;
    }

    private sealed record ChatShape(string Id, long Created, string Model, string Fingerprint, bool ForcedTool, bool Logprobs, int TopLogprobs);

    private static string FinishReason(GeneratedChoice choice, ChatShape shape) => choice.Finish switch
    {
        FinishKind.Length => "length",
        // A named tool_choice ends with "stop" on OpenAI; "tool_calls" only when the model chose to call.
        FinishKind.ToolUse => shape.ForcedTool ? "stop" : "tool_calls",
        _ => "stop",
    };

    private static byte[] ChatJson(Completion completion, ChatShape shape) => Json.Write(w =>
    {
        w.WriteStartObject();
        w.WriteString("id", shape.Id);
        w.WriteString("object", "chat.completion");
        w.WriteNumber("created", shape.Created);
        w.WriteString("model", shape.Model);
        w.WriteStartArray("choices");
        foreach (var choice in completion.Choices)
        {
            w.WriteStartObject();
            w.WriteNumber("index", choice.Index);
            w.WriteStartObject("message");
            w.WriteString("role", "assistant");
            if (choice.ToolCalls.Count > 0)
            {
                w.WriteNull("content");
            }
            else
            {
                w.WriteString("content", choice.Text);
            }

            if (choice.ThinkingTokens.Count > 0)
            {
                w.WriteString("reasoning_content", choice.ThinkingText);
            }

            w.WriteNull("refusal");
            if (choice.ToolCalls.Count > 0)
            {
                w.WriteStartArray("tool_calls");
                foreach (var call in choice.ToolCalls)
                {
                    w.WriteStartObject();
                    w.WriteString("id", "call_" + call.IdSuffix);
                    w.WriteString("type", "function");
                    w.WriteStartObject("function");
                    w.WriteString("name", call.Name);
                    w.WriteString("arguments", call.ArgumentsJson);
                    w.WriteEndObject();
                    w.WriteEndObject();
                }

                w.WriteEndArray();
            }

            w.WriteEndObject();
            if (shape.Logprobs && choice.ToolCalls.Count == 0)
            {
                w.WriteStartObject("logprobs");
                w.WriteStartArray("content");
                foreach (var token in choice.TextTokens)
                {
                    WriteLogprob(w, token, shape.TopLogprobs);
                }

                w.WriteEndArray();
                w.WriteNull("refusal");
                w.WriteEndObject();
            }
            else
            {
                w.WriteNull("logprobs");
            }

            w.WriteString("finish_reason", FinishReason(choice, shape));
            w.WriteEndObject();
        }

        w.WriteEndArray();
        WriteUsage(w, completion);
        w.WriteString("service_tier", "default");
        w.WriteString("system_fingerprint", shape.Fingerprint);
        w.WriteEndObject();
    });

    private static void WriteUsage(Utf8JsonWriter w, Completion completion)
    {
        w.WriteStartObject("usage");
        w.WriteNumber("prompt_tokens", completion.PromptTokens);
        w.WriteNumber("completion_tokens", completion.CompletionTokens);
        w.WriteNumber("total_tokens", completion.TotalTokens);
        w.WriteStartObject("prompt_tokens_details");
        w.WriteNumber("cached_tokens", completion.CachedTokens);
        w.WriteNumber("audio_tokens", 0);
        w.WriteEndObject();
        w.WriteStartObject("completion_tokens_details");
        w.WriteNumber("reasoning_tokens", completion.ReasoningTokens);
        w.WriteNumber("audio_tokens", 0);
        w.WriteNumber("accepted_prediction_tokens", 0);
        w.WriteNumber("rejected_prediction_tokens", 0);
        w.WriteEndObject();
        w.WriteEndObject();
    }

    /// <summary>A fake but well-formed logprob entry derived from the token's hash.</summary>
    private static void WriteLogprob(Utf8JsonWriter w, string token, int top)
    {
        var logprob = -((Hash.Of(token) % 2000) / 1000.0);
        w.WriteStartObject();
        WriteTokenFields(w, token, logprob);
        w.WriteStartArray("top_logprobs");
        for (var i = 0; i < top; i++)
        {
            w.WriteStartObject();
            var alternative = i == 0 ? token : token + new string('~', i);
            WriteTokenFields(w, alternative, i == 0 ? logprob : logprob - (1.5 * i));
            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteEndObject();
    }

    private static void WriteTokenFields(Utf8JsonWriter w, string token, double logprob)
    {
        w.WriteString("token", token);
        w.WriteNumber("logprob", Math.Round(logprob, 6));
        w.WriteStartArray("bytes");
        foreach (var b in Encoding.UTF8.GetBytes(token))
        {
            w.WriteNumberValue(b);
        }

        w.WriteEndArray();
    }

    private static IEnumerable<Frame> StreamFrames(Completion completion, ChatShape shape, bool includeUsage)
    {
        foreach (var choice in completion.Choices)
        {
            yield return Chunk(shape, includeUsage, choice.Index, w =>
            {
                w.WriteString("role", "assistant");
                w.WriteString("content", string.Empty);
                w.WriteNull("refusal");
            });

            foreach (var token in choice.ThinkingTokens)
            {
                yield return Chunk(shape, includeUsage, choice.Index, w =>
                {
                    w.WriteNull("content");
                    w.WriteString("reasoning_content", token);
                });
            }

            foreach (var token in choice.TextTokens)
            {
                yield return Chunk(shape, includeUsage, choice.Index, w => w.WriteString("content", token),
                    shape.Logprobs ? token : null);
            }

            for (var k = 0; k < choice.ToolCalls.Count; k++)
            {
                var call = choice.ToolCalls[k];
                var index = k;
                yield return Chunk(shape, includeUsage, choice.Index, w =>
                {
                    w.WriteStartArray("tool_calls");
                    w.WriteStartObject();
                    w.WriteNumber("index", index);
                    w.WriteString("id", "call_" + call.IdSuffix);
                    w.WriteString("type", "function");
                    w.WriteStartObject("function");
                    w.WriteString("name", call.Name);
                    w.WriteString("arguments", string.Empty);
                    w.WriteEndObject();
                    w.WriteEndObject();
                    w.WriteEndArray();
                });
                foreach (var fragment in Ids.Fragments(call.ArgumentsJson, 12))
                {
                    yield return Chunk(shape, includeUsage, choice.Index, w =>
                    {
                        w.WriteStartArray("tool_calls");
                        w.WriteStartObject();
                        w.WriteNumber("index", index);
                        w.WriteStartObject("function");
                        w.WriteString("arguments", fragment);
                        w.WriteEndObject();
                        w.WriteEndObject();
                        w.WriteEndArray();
                    });
                }
            }

            yield return Chunk(shape, includeUsage, choice.Index, _ => { }, finish: FinishReason(choice, shape));
        }

        if (includeUsage)
        {
            yield return new Frame(null, Json.Write(w =>
            {
                WriteChunkHeader(w, shape);
                w.WriteStartArray("choices");
                w.WriteEndArray();
                WriteUsage(w, completion);
                w.WriteEndObject();
            }));
        }

        yield return new Frame(null, "[DONE]"u8.ToArray());
    }

    private static void WriteChunkHeader(Utf8JsonWriter w, ChatShape shape)
    {
        w.WriteStartObject();
        w.WriteString("id", shape.Id);
        w.WriteString("object", "chat.completion.chunk");
        w.WriteNumber("created", shape.Created);
        w.WriteString("model", shape.Model);
        w.WriteString("service_tier", "default");
        w.WriteString("system_fingerprint", shape.Fingerprint);
    }

    private static Frame Chunk(ChatShape shape, bool includeUsage, int index, Action<Utf8JsonWriter> delta, string? logprobToken = null, string? finish = null) =>
        new(null, Json.Write(w =>
        {
            WriteChunkHeader(w, shape);
            w.WriteStartArray("choices");
            w.WriteStartObject();
            w.WriteNumber("index", index);
            w.WriteStartObject("delta");
            delta(w);
            w.WriteEndObject();
            if (logprobToken is not null)
            {
                w.WriteStartObject("logprobs");
                w.WriteStartArray("content");
                WriteLogprob(w, logprobToken, shape.TopLogprobs);
                w.WriteEndArray();
                w.WriteNull("refusal");
                w.WriteEndObject();
            }
            else
            {
                w.WriteNull("logprobs");
            }

            if (finish is null)
            {
                w.WriteNull("finish_reason");
            }
            else
            {
                w.WriteString("finish_reason", finish);
            }

            w.WriteEndObject();
            w.WriteEndArray();
            if (includeUsage)
            {
                w.WriteNull("usage");
            }

            w.WriteEndObject();
        }));
}
