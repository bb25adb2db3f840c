using System.Text.Json;
using Candor.Emulator.Faults;
using Candor.Emulator.Generation;
using Candor.Emulator.Http;

namespace Candor.Emulator.Vendors;

/// <summary>OpenAI's legacy completions (<c>POST /v1/completions</c>, and Azure's <c>deployments/{d}/completions</c>), as
/// OpenAI, vLLM and Ollama's OpenAI-compatible endpoint serve it: <c>prompt</c> a string, an array of strings or of token
/// ids; <c>n</c> completions per prompt (choice index = prompt × n + completion), <c>echo</c>, <c>logprobs</c> (the legacy
/// shape: tokens, token_logprobs, top_logprobs, text_offset), <c>stop</c>, <c>max_tokens</c> (16 when absent); a
/// <c>text_completion</c> object with usage, or a stream of <c>text_completion</c> chunks ending with a chunk per choice that
/// carries its finish reason, then (with <c>stream_options.include_usage</c>) a usage chunk with empty choices, and
/// <c>data: [DONE]</c>.</summary>
internal static class CompletionsHandler
{
    /// <summary>OpenAI's max_tokens when a completions request gives none.</summary>
    private const int DefaultMaxTokens = 16;

    public static async Task CompletionsAsync(EmulatorCall call, string? azureDeployment)
    {
        IErrorDialect dialect = azureDeployment is null ? OpenAiErrors.Instance : AzureErrors.Instance;
        if (!await OpenAiHandler.PrecheckAsync(call, azureDeployment).ConfigureAwait(false))
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
            var prompts = Prompts(Json.Get(root, "prompt"));
            if (await Responder.ApplyPreFaultsAsync(call, spec, dialect, () => string.Join('\n', prompts ?? [])).ConfigureAwait(false))
            {
                return;
            }

            var model = azureDeployment ?? Json.String(root, "model");
            if (model is null)
            {
                await Responder.WriteErrorAsync(call, dialect, 400, "you must provide a model parameter").ConfigureAwait(false);
                return;
            }

            if (prompts is null or { Count: 0 })
            {
                await Responder.WriteErrorAsync(call, dialect, 400, "'prompt' must be a string, an array of strings or an array of token arrays")
                    .ConfigureAwait(false);
                return;
            }

            if (await OpenAiHandler.MissingModelAsync(call, model, azureDeployment).ConfigureAwait(false))
            {
                return;
            }

            int n = Math.Max(1, Json.Int(root, "n") ?? 1);
            bool echo = Json.Bool(root, "echo") == true;
            int? logprobs = Json.Int(root, "logprobs");
            var choices = new List<Choice>();
            string reportedModel = model;
            int promptTokens = 0, completionTokens = 0;
            foreach (string prompt in prompts)
            {
                var query = Query(root, model, prompt, n);
                var completion = CompletionGenerator.Generate(query, call.Options.Spare(spec, query), call.Options.Seed, call.Options.NextNonce(), call.Options.CheaperModels);
                reportedModel = completion.ReportedModel;
                promptTokens += completion.PromptTokens;
                completionTokens += completion.CompletionTokens;
                foreach (var generated in completion.Choices)
                {
                    choices.Add(new Choice(choices.Count, echo ? prompt : "", generated.TextTokens, generated.Finish == FinishKind.Length ? "length" : "stop"));
                }
            }

            var shape = new Shape("cmpl-" + Ids.Random(29), DateTimeOffset.UtcNow.ToUnixTimeSeconds(), reportedModel, logprobs, promptTokens, completionTokens);
            if (Json.Bool(root, "stream") == true)
            {
                var includeUsage = Json.Bool(Json.Get(root, "stream_options"), "include_usage") == true;
                await Responder.StreamAsync(call, spec, Frames(shape, choices, includeUsage), StreamStyle.Sse).ConfigureAwait(false);
            }
            else
            {
                await Responder.WriteJsonAsync(call, 200, Whole(shape, choices), spec).ConfigureAwait(false);
            }
        }
    }

    private sealed record Choice(int Index, string Echo, List<string> Tokens, string Finish);

    private sealed record Shape(string Id, long Created, string Model, int? Logprobs, int PromptTokens, int CompletionTokens);

    /// <summary>The prompts: strings as they are, a token array as its ids joined (one prompt), null when the shape is wrong.</summary>
    private static List<string>? Prompts(JsonElement prompt)
    {
        if (prompt.ValueKind == JsonValueKind.String)
        {
            return [prompt.GetString()!];
        }

        if (prompt.ValueKind != JsonValueKind.Array)
        {
            return null;
        }

        var items = prompt.EnumerateArray().ToList();
        if (items.Count > 0 && items.All(static i => i.ValueKind == JsonValueKind.Number))
        {
            return [string.Join(' ', items.Select(static i => i.GetRawText()))];
        }

        var prompts = new List<string>();
        foreach (var item in items)
        {
            switch (item.ValueKind)
            {
                case JsonValueKind.String:
                    prompts.Add(item.GetString()!);
                    break;
                case JsonValueKind.Array:
                    prompts.Add(string.Join(' ', item.EnumerateArray().Select(static i => i.GetRawText())));
                    break;
                default:
                    return null;
            }
        }

        return prompts;
    }

    private static ChatQuery Query(JsonElement root, string model, string prompt, int n)
    {
        var query = new ChatQuery { Model = model, ToolMode = ToolMode.None, N = n };
        query.Messages.Add(new QueryMessage("user", prompt, 0, false));
        query.MaxTokens = Json.Int(root, "max_tokens") ?? DefaultMaxTokens;
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

        query.Seed = Json.Long(root, "seed");
        query.Temperature = Json.Double(root, "temperature");
        return query;
    }

    private static byte[] Whole(Shape shape, List<Choice> choices) => Json.Write(w =>
    {
        Head(w, shape);
        w.WriteStartArray("choices");
        foreach (var choice in choices)
        {
            WriteChoice(w, shape, choice.Index, choice.Echo + string.Concat(choice.Tokens), choice.Echo.Length > 0 ? [choice.Echo, .. choice.Tokens] : choice.Tokens, choice.Finish);
        }

        w.WriteEndArray();
        WriteUsage(w, shape);
        w.WriteEndObject();
    });

    private static IEnumerable<Frame> Frames(Shape shape, List<Choice> choices, bool includeUsage)
    {
        foreach (var choice in choices)
        {
            if (choice.Echo.Length > 0)
            {
                yield return Chunk(shape, includeUsage, choice.Index, choice.Echo, null);
            }

            foreach (var token in choice.Tokens)
            {
                yield return Chunk(shape, includeUsage, choice.Index, token, null);
            }

            yield return Chunk(shape, includeUsage, choice.Index, "", choice.Finish);
        }

        if (includeUsage)
        {
            yield return new Frame(null, Json.Write(w =>
            {
                Head(w, shape);
                w.WriteStartArray("choices");
                w.WriteEndArray();
                WriteUsage(w, shape);
                w.WriteEndObject();
            }));
        }

        yield return new Frame(null, "[DONE]"u8.ToArray());
    }

    private static Frame Chunk(Shape shape, bool includeUsage, int index, string text, string? finish) => new(null, Json.Write(w =>
    {
        Head(w, shape);
        w.WriteStartArray("choices");
        WriteChoice(w, shape, index, text, text.Length > 0 ? [text] : [], finish);
        w.WriteEndArray();
        if (includeUsage)
        {
            w.WriteNull("usage");
        }

        w.WriteEndObject();
    }));

    private static void Head(Utf8JsonWriter w, Shape shape)
    {
        w.WriteStartObject();
        w.WriteString("id", shape.Id);
        w.WriteString("object", "text_completion");
        w.WriteNumber("created", shape.Created);
        w.WriteString("model", shape.Model);
    }

    private static void WriteChoice(Utf8JsonWriter w, Shape shape, int index, string text, List<string> tokens, string? finish)
    {
        w.WriteStartObject();
        w.WriteString("text", text);
        w.WriteNumber("index", index);
        if (shape.Logprobs is { } top)
        {
            WriteLogprobs(w, tokens, Math.Clamp(top, 0, 5));
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
    }

    /// <summary>The legacy logprobs object: parallel arrays of tokens, their logprobs, the top alternatives and offsets.</summary>
    private static void WriteLogprobs(Utf8JsonWriter w, List<string> tokens, int top)
    {
        w.WriteStartObject("logprobs");
        w.WriteStartArray("tokens");
        foreach (var token in tokens)
        {
            w.WriteStringValue(token);
        }

        w.WriteEndArray();
        w.WriteStartArray("token_logprobs");
        foreach (var token in tokens)
        {
            w.WriteNumberValue(Logprob(token));
        }

        w.WriteEndArray();
        w.WriteStartArray("top_logprobs");
        foreach (var token in tokens)
        {
            w.WriteStartObject();
            for (int i = 0; i < top; i++)
            {
                w.WriteNumber(i == 0 ? token : token + new string('~', i), Logprob(token) - (1.5 * i));
            }

            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteStartArray("text_offset");
        int offset = 0;
        foreach (var token in tokens)
        {
            w.WriteNumberValue(offset);
            offset += token.Length;
        }

        w.WriteEndArray();
        w.WriteEndObject();
    }

    private static double Logprob(string token) => Math.Round(-((Hash.Of(token) % 2000) / 1000.0), 6);

    private static void WriteUsage(Utf8JsonWriter w, Shape shape)
    {
        w.WriteStartObject("usage");
        w.WriteNumber("prompt_tokens", shape.PromptTokens);
        w.WriteNumber("completion_tokens", shape.CompletionTokens);
        w.WriteNumber("total_tokens", shape.PromptTokens + shape.CompletionTokens);
        w.WriteEndObject();
    }
}
