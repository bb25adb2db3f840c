using System.Text;
using System.Text.Json;
using Candor.Emulator.Faults;
using Candor.Emulator.Generation;
using Candor.Emulator.Http;

namespace Candor.Emulator.Vendors;

/// <summary>OpenAI's Responses API: <c>POST /v1/responses</c> (JSON or the typed event stream), and
/// <c>GET</c>/<c>DELETE /v1/responses/{id}</c> for stored responses. <c>store</c> defaults to true as on OpenAI: a stored
/// response can be continued with <c>previous_response_id</c> and its items named by <c>item_reference</c>. Reasoning
/// models (names with <c>reasoner</c>, <c>o1</c>/<c>o3</c>/<c>o4</c>…, <c>gpt-5</c>) think unless
/// <c>reasoning.effort</c> is <c>none</c>; a reasoning item sent back must carry the <c>encrypted_content</c> it was
/// given, or name a stored item, as OpenAI requires with <c>store: false</c>.</summary>
internal static class ResponsesHandler
{
    private const string EncryptedPrefix = "emu-enc:";

    public static async Task CreateAsync(EmulatorCall call, ResponseStore store)
    {
        var dialect = OpenAiErrors.Instance;
        if (!await OpenAiHandler.PrecheckAsync(call, null).ConfigureAwait(false))
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
            var model = Json.String(root, "model");
            var conversation = new List<JsonElement>();
            var problem = model is null ? "Missing required parameter: 'model'." : Expand(root, store, conversation);
            var query = model is null ? null : Query(root, model, conversation);
            if (await Responder.ApplyPreFaultsAsync(call, spec, dialect, () => query is null ? "" : string.Join('\n', query.Messages.Select(m => m.Text)))
                .ConfigureAwait(false))
            {
                return;
            }

            if (problem is not null)
            {
                await Responder.WriteErrorAsync(call, dialect, 400, problem).ConfigureAwait(false);
                return;
            }

            if (query!.Messages.Count == 0)
            {
                await Responder.WriteErrorAsync(call, dialect, 400, "Invalid 'input': empty array. Expected an array with minimum length 1.").ConfigureAwait(false);
                return;
            }

            if (await OpenAiHandler.MissingModelAsync(call, model!, null).ConfigureAwait(false))
            {
                return;
            }

            var completion = CompletionGenerator.Generate(query, spec, call.Options.Seed, call.Options.NextNonce(), call.Options.CheaperModels);
            var shape = new Shape(root, "resp_" + Ids.Random(40), DateTimeOffset.UtcNow.ToUnixTimeSeconds(), completion,
                Json.Bool(root, "store") ?? true,
                Json.Items(Json.Get(root, "include")).Any(i => i.ValueKind == JsonValueKind.String && i.GetString() == "reasoning.encrypted_content"),
                Json.String(Json.Get(root, "reasoning"), "summary") is { } summary && summary != "none");
            var items = OutputItems(shape);
            var final = ResponseJson(shape, items, final: true);
            if (shape.Store)
            {
                var outputs = items.Select(i => JsonDocument.Parse(i).RootElement.Clone()).ToList();
                store.Add(shape.Id, final, [.. conversation, .. outputs], outputs);
            }

            if (Json.Bool(root, "stream") == true)
            {
                await Responder.StreamAsync(call, spec, Events(shape, items, final), StreamStyle.Sse).ConfigureAwait(false);
            }
            else
            {
                await Responder.WriteJsonAsync(call, 200, final, spec).ConfigureAwait(false);
            }
        }
    }

    public static async Task GetAsync(EmulatorCall call, ResponseStore store, string id, bool delete)
    {
        if (!await OpenAiHandler.PrecheckAsync(call, null).ConfigureAwait(false))
        {
            return;
        }

        var stored = store.Get(id);
        if (stored is null)
        {
            await Responder.WriteJsonAsync(call, 404, OpenAiErrors.Body(404, $"Response with id '{id}' not found.", null)).ConfigureAwait(false);
            return;
        }

        if (delete)
        {
            store.Remove(id);
            await Responder.WriteJsonAsync(call, 200, Json.Write(w =>
            {
                w.WriteStartObject();
                w.WriteString("id", id);
                w.WriteString("object", "response.deleted");
                w.WriteBoolean("deleted", true);
                w.WriteEndObject();
            })).ConfigureAwait(false);
            return;
        }

        await Responder.WriteJsonAsync(call, 200, stored.Json).ConfigureAwait(false);
    }

    /// <summary>The whole conversation as input items: a previous response's, then <c>instructions</c> are left aside
    /// (they are not carried over), then <c>input</c> with item references resolved. Returns what OpenAI would answer
    /// 400 with, or null.</summary>
    private static string? Expand(JsonElement root, ResponseStore store, List<JsonElement> conversation)
    {
        if (Json.String(root, "previous_response_id") is { } previous)
        {
            if (store.Get(previous) is not { } stored)
            {
                return $"Previous response with id '{previous}' not found.";
            }

            conversation.AddRange(stored.Conversation);
        }

        var input = Json.Get(root, "input");
        if (input.ValueKind == JsonValueKind.String)
        {
            conversation.Add(JsonDocument.Parse(Json.Write(w =>
            {
                w.WriteStartObject();
                w.WriteString("type", "message");
                w.WriteString("role", "user");
                w.WriteString("content", input.GetString());
                w.WriteEndObject();
            })).RootElement.Clone());
            return null;
        }

        foreach (var item in Json.Items(input))
        {
            var type = Json.String(item, "type");
            var id = Json.String(item, "id");
            if (type == "item_reference")
            {
                if (id is null || store.Item(id) is not { } referenced)
                {
                    return $"Item with id '{id}' not found.";
                }

                conversation.Add(referenced);
                continue;
            }

            if (type == "reasoning")
            {
                var encrypted = Json.String(item, "encrypted_content");
                if (encrypted is null && (id is null || store.Item(id) is null))
                {
                    return $"Item with id '{id}' not found. Items are not persisted when `store` is set to false. Try again with `store` set to true, or remove this item from your input.";
                }

                if (encrypted is not null && !encrypted.StartsWith(EncryptedPrefix, StringComparison.Ordinal))
                {
                    return $"The encrypted content for item {id} could not be verified.";
                }
            }

            conversation.Add(item.Clone());
        }

        return null;
    }

    private static ChatQuery Query(JsonElement root, string model, List<JsonElement> conversation)
    {
        var query = new ChatQuery { Model = model };
        if (Json.String(root, "instructions") is { Length: > 0 } instructions)
        {
            query.Messages.Add(new QueryMessage("system", instructions, 0, false));
        }

        foreach (var item in conversation)
        {
            var text = new StringBuilder();
            var images = 0;
            switch (Json.String(item, "type") ?? "message")
            {
                case "message":
                    var content = Json.Get(item, "content");
                    if (content.ValueKind == JsonValueKind.String)
                    {
                        text.Append(content.GetString());
                    }

                    foreach (var part in Json.Items(content))
                    {
                        if (Json.String(part, "type") is "input_image")
                        {
                            images++;
                        }
                        else if (Json.String(part, "text") is { } partText)
                        {
                            Append(text, partText);
                        }
                    }

                    var role = Json.String(item, "role") ?? "user";
                    query.Messages.Add(new QueryMessage(role == "developer" ? "system" : role, text.ToString(), images, false));
                    break;
                case "function_call":
                    Append(text, Json.String(item, "name"));
                    Append(text, Json.String(item, "arguments"));
                    query.Messages.Add(new QueryMessage("assistant", text.ToString(), 0, false));
                    break;
                case "function_call_output":
                    var output = Json.Get(item, "output");
                    query.Messages.Add(new QueryMessage("user", output.ValueKind == JsonValueKind.String ? output.GetString()! : output.GetRawText(), 0, true));
                    break;
            }
        }

        foreach (var tool in Json.Items(Json.Get(root, "tools")))
        {
            if (Json.String(tool, "type") == "function" && Json.String(tool, "name") is { } name)
            {
                query.Tools.Add(new QueryTool(name, Json.String(tool, "description"), Json.Get(tool, "parameters")));
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
        else if (Json.String(choice, "type") == "function" && Json.String(choice, "name") is { } forced)
        {
            query.ToolMode = ToolMode.Forced;
            query.ForcedTool = forced;
        }

        query.ParallelToolCalls = Json.Bool(root, "parallel_tool_calls") ?? true;
        query.MaxTokens = Json.Int(root, "max_output_tokens");
        query.Temperature = Json.Double(root, "temperature");
        query.Thinking = IsReasoningModel(model) && Json.String(Json.Get(root, "reasoning"), "effort") != "none";
        return query;
    }

    public static bool IsReasoningModel(string model) =>
        CompletionGenerator.IsReasoner(model) || model.StartsWith("gpt-5", StringComparison.OrdinalIgnoreCase)
        || (model.Length > 1 && model[0] is 'o' && char.IsAsciiDigit(model[1]));

    private static void Append(StringBuilder text, string? value)
    {
        if (!string.IsNullOrEmpty(value))
        {
            if (text.Length > 0)
            {
                text.Append('\n');
            }

            text.Append(value);
        }
    }

    private sealed record Shape(JsonElement Request, string Id, long Created, Completion Completion, bool Store, bool IncludeEncrypted, bool Summary)
    {
        public GeneratedChoice Choice => Completion.Choices[0];

        public string ItemId(string prefix, int index) => prefix + Id[5..25] + index.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Each output item's whole JSON, in order: reasoning, then the message or the function calls.</summary>
    private static List<byte[]> OutputItems(Shape shape)
    {
        var items = new List<byte[]>();
        var choice = shape.Choice;
        if (choice.ThinkingTokens.Count > 0)
        {
            items.Add(Json.Write(w => WriteReasoning(w, shape, shape.ItemId("rs_", items.Count), choice.ThinkingText)));
        }

        if (choice.ToolCalls.Count == 0)
        {
            items.Add(Json.Write(w => WriteMessage(w, shape.ItemId("msg_", items.Count), choice.Text, "completed")));
        }

        foreach (var call in choice.ToolCalls)
        {
            items.Add(Json.Write(w => WriteFunctionCall(w, shape.ItemId("fc_", items.Count), call, call.ArgumentsJson, "completed")));
        }

        return items;
    }

    private static void WriteReasoning(Utf8JsonWriter w, Shape shape, string id, string? text)
    {
        w.WriteStartObject();
        w.WriteString("id", id);
        w.WriteString("type", "reasoning");
        w.WriteStartArray("summary");
        if (text is not null && shape.Summary)
        {
            w.WriteStartObject();
            w.WriteString("type", "summary_text");
            w.WriteString("text", text);
            w.WriteEndObject();
        }

        w.WriteEndArray();
        if (text is not null && shape.IncludeEncrypted)
        {
            w.WriteString("encrypted_content", EncryptedPrefix + Convert.ToBase64String(Encoding.UTF8.GetBytes(text)));
        }

        w.WriteEndObject();
    }

    private static void WriteMessage(Utf8JsonWriter w, string id, string? text, string status)
    {
        w.WriteStartObject();
        w.WriteString("id", id);
        w.WriteString("type", "message");
        w.WriteString("status", status);
        w.WriteString("role", "assistant");
        w.WriteStartArray("content");
        if (text is not null)
        {
            WriteTextPart(w, text);
        }

        w.WriteEndArray();
        w.WriteEndObject();
    }

    private static void WriteTextPart(Utf8JsonWriter w, string text)
    {
        w.WriteStartObject();
        w.WriteString("type", "output_text");
        w.WriteStartArray("annotations");
        w.WriteEndArray();
        w.WriteStartArray("logprobs");
        w.WriteEndArray();
        w.WriteString("text", text);
        w.WriteEndObject();
    }

    private static void WriteFunctionCall(Utf8JsonWriter w, string id, GeneratedToolCall call, string arguments, string status)
    {
        w.WriteStartObject();
        w.WriteString("id", id);
        w.WriteString("type", "function_call");
        w.WriteString("status", status);
        w.WriteString("arguments", arguments);
        w.WriteString("call_id", "call_" + call.IdSuffix);
        w.WriteString("name", call.Name);
        w.WriteEndObject();
    }

    private static byte[] ResponseJson(Shape shape, List<byte[]> items, bool final) => Json.Write(w => WriteResponse(w, shape, items, final));

    private static void WriteResponse(Utf8JsonWriter w, Shape shape, List<byte[]> items, bool final)
    {
        var root = shape.Request;
        var incomplete = final && shape.Choice.Finish == FinishKind.Length;
        w.WriteStartObject();
        w.WriteString("id", shape.Id);
        w.WriteString("object", "response");
        w.WriteNumber("created_at", shape.Created);
        w.WriteString("status", !final ? "in_progress" : incomplete ? "incomplete" : "completed");
        w.WriteBoolean("background", false);
        w.WriteNull("error");
        if (incomplete)
        {
            w.WriteStartObject("incomplete_details");
            w.WriteString("reason", "max_output_tokens");
            w.WriteEndObject();
        }
        else
        {
            w.WriteNull("incomplete_details");
        }

        WriteEcho(w, root, "instructions");
        WriteEcho(w, root, "max_output_tokens");
        w.WriteString("model", shape.Completion.ReportedModel);
        w.WriteStartArray("output");
        if (final)
        {
            foreach (var item in items)
            {
                w.WriteRawValue(item, skipInputValidation: true);
            }
        }

        w.WriteEndArray();
        w.WriteBoolean("parallel_tool_calls", Json.Bool(root, "parallel_tool_calls") ?? true);
        WriteEcho(w, root, "previous_response_id");
        w.WriteStartObject("reasoning");
        WriteEcho(w, Json.Get(root, "reasoning"), "effort");
        WriteEcho(w, Json.Get(root, "reasoning"), "summary");
        w.WriteEndObject();
        w.WriteString("service_tier", "default");
        w.WriteBoolean("store", shape.Store);
        w.WriteNumber("temperature", Json.Double(root, "temperature") ?? 1.0);
        w.WriteStartObject("text");
        w.WritePropertyName("format");
        if (Json.Get(Json.Get(root, "text"), "format") is { ValueKind: JsonValueKind.Object } format)
        {
            format.WriteTo(w);
        }
        else
        {
            w.WriteStartObject();
            w.WriteString("type", "text");
            w.WriteEndObject();
        }

        w.WriteEndObject();
        w.WritePropertyName("tool_choice");
        if (Json.Get(root, "tool_choice") is { ValueKind: not JsonValueKind.Undefined } choice)
        {
            choice.WriteTo(w);
        }
        else
        {
            w.WriteStringValue("auto");
        }

        w.WritePropertyName("tools");
        if (Json.Get(root, "tools") is { ValueKind: JsonValueKind.Array } tools)
        {
            tools.WriteTo(w);
        }
        else
        {
            w.WriteStartArray();
            w.WriteEndArray();
        }

        w.WriteNumber("top_p", Json.Double(root, "top_p") ?? 1.0);
        w.WriteString("truncation", "disabled");
        if (final)
        {
            var c = shape.Completion;
            w.WriteStartObject("usage");
            w.WriteNumber("input_tokens", c.PromptTokens);
            w.WriteStartObject("input_tokens_details");
            w.WriteNumber("cached_tokens", c.CachedTokens);
            w.WriteEndObject();
            w.WriteNumber("output_tokens", c.CompletionTokens);
            w.WriteStartObject("output_tokens_details");
            w.WriteNumber("reasoning_tokens", c.ReasoningTokens);
            w.WriteEndObject();
            w.WriteNumber("total_tokens", c.TotalTokens);
            w.WriteEndObject();
        }
        else
        {
            w.WriteNull("usage");
        }

        WriteEcho(w, root, "user");
        w.WritePropertyName("metadata");
        if (Json.Get(root, "metadata") is { ValueKind: JsonValueKind.Object } metadata)
        {
            metadata.WriteTo(w);
        }
        else
        {
            w.WriteStartObject();
            w.WriteEndObject();
        }

        w.WriteEndObject();
    }

    private static void WriteEcho(Utf8JsonWriter w, JsonElement source, string name)
    {
        w.WritePropertyName(name);
        if (Json.Get(source, name) is { ValueKind: not JsonValueKind.Undefined } value)
        {
            value.WriteTo(w);
        }
        else
        {
            w.WriteNullValue();
        }
    }

    /// <summary>The typed event stream: created, in_progress, each item opened, streamed and closed, then completed (or
    /// incomplete) with the whole response. Every event carries its <c>type</c> and a <c>sequence_number</c> from 0.</summary>
    private static IEnumerable<Frame> Events(Shape shape, List<byte[]> items, byte[] final)
    {
        var sequence = 0;
        Frame Event(string type, Action<Utf8JsonWriter> body) => new(type, Json.Write(w =>
        {
            w.WriteStartObject();
            w.WriteString("type", type);
            w.WriteNumber("sequence_number", sequence++);
            body(w);
            w.WriteEndObject();
        }));

        var pending = ResponseJson(shape, items, final: false);
        yield return Event("response.created", w => { w.WritePropertyName("response"); w.WriteRawValue(pending, true); });
        yield return Event("response.in_progress", w => { w.WritePropertyName("response"); w.WriteRawValue(pending, true); });
        var choice = shape.Choice;
        var index = 0;
        if (choice.ThinkingTokens.Count > 0)
        {
            var id = shape.ItemId("rs_", index);
            var output = index;
            yield return Event("response.output_item.added", w => { w.WriteNumber("output_index", output); w.WritePropertyName("item"); WriteReasoning(w, shape, id, null); });
            if (shape.Summary)
            {
                yield return Event("response.reasoning_summary_part.added", w => { SummaryHeader(w, id, output); w.WritePropertyName("part"); SummaryPart(w, ""); });
                foreach (var token in choice.ThinkingTokens)
                {
                    yield return Event("response.reasoning_summary_text.delta", w => { SummaryHeader(w, id, output); w.WriteString("delta", token); });
                }

                yield return Event("response.reasoning_summary_text.done", w => { SummaryHeader(w, id, output); w.WriteString("text", choice.ThinkingText); });
                yield return Event("response.reasoning_summary_part.done", w => { SummaryHeader(w, id, output); w.WritePropertyName("part"); SummaryPart(w, choice.ThinkingText); });
            }

            var item = items[index];
            yield return Event("response.output_item.done", w => { w.WriteNumber("output_index", output); w.WritePropertyName("item"); w.WriteRawValue(item, true); });
            index++;
        }

        if (choice.ToolCalls.Count == 0)
        {
            var id = shape.ItemId("msg_", index);
            var output = index;
            yield return Event("response.output_item.added", w => { w.WriteNumber("output_index", output); w.WritePropertyName("item"); WriteMessage(w, id, null, "in_progress"); });
            yield return Event("response.content_part.added", w => { PartHeader(w, id, output); w.WritePropertyName("part"); WriteTextPart(w, ""); });
            foreach (var token in choice.TextTokens)
            {
                yield return Event("response.output_text.delta", w =>
                {
                    PartHeader(w, id, output);
                    w.WriteString("delta", token);
                    w.WriteStartArray("logprobs");
                    w.WriteEndArray();
                });
            }

            yield return Event("response.output_text.done", w =>
            {
                PartHeader(w, id, output);
                w.WriteString("text", choice.Text);
                w.WriteStartArray("logprobs");
                w.WriteEndArray();
            });
            yield return Event("response.content_part.done", w => { PartHeader(w, id, output); w.WritePropertyName("part"); WriteTextPart(w, choice.Text); });
            var item = items[index];
            yield return Event("response.output_item.done", w => { w.WriteNumber("output_index", output); w.WritePropertyName("item"); w.WriteRawValue(item, true); });
            index++;
        }

        foreach (var call in choice.ToolCalls)
        {
            var id = shape.ItemId("fc_", index);
            var output = index;
            yield return Event("response.output_item.added", w => { w.WriteNumber("output_index", output); w.WritePropertyName("item"); WriteFunctionCall(w, id, call, "", "in_progress"); });
            foreach (var fragment in Ids.Fragments(call.ArgumentsJson, 12))
            {
                yield return Event("response.function_call_arguments.delta", w =>
                {
                    w.WriteString("item_id", id);
                    w.WriteNumber("output_index", output);
                    w.WriteString("delta", fragment);
                });
            }

            yield return Event("response.function_call_arguments.done", w =>
            {
                w.WriteString("item_id", id);
                w.WriteNumber("output_index", output);
                w.WriteString("name", call.Name);
                w.WriteString("arguments", call.ArgumentsJson);
            });
            var item = items[index];
            yield return Event("response.output_item.done", w => { w.WriteNumber("output_index", output); w.WritePropertyName("item"); w.WriteRawValue(item, true); });
            index++;
        }

        var done = choice.Finish == FinishKind.Length ? "response.incomplete" : "response.completed";
        yield return Event(done, w => { w.WritePropertyName("response"); w.WriteRawValue(final, true); });
    }

    private static void SummaryHeader(Utf8JsonWriter w, string id, int output)
    {
        w.WriteString("item_id", id);
        w.WriteNumber("output_index", output);
        w.WriteNumber("summary_index", 0);
    }

    private static void SummaryPart(Utf8JsonWriter w, string text)
    {
        w.WriteStartObject();
        w.WriteString("type", "summary_text");
        w.WriteString("text", text);
        w.WriteEndObject();
    }

    private static void PartHeader(Utf8JsonWriter w, string id, int output)
    {
        w.WriteString("item_id", id);
        w.WriteNumber("output_index", output);
        w.WriteNumber("content_index", 0);
    }
}
