using System.Text;
using System.Text.Json;
using Candor.Emulator.Faults;
using Candor.Emulator.Generation;
using Candor.Emulator.Http;

namespace Candor.Emulator.Vendors;

/// <summary>Anthropic Messages API: <c>/v1/messages</c> (JSON and SSE) and <c>/v1/messages/count_tokens</c>.</summary>
internal static class AnthropicHandler
{
    public static async Task MessagesAsync(EmulatorCall call, bool countTokens)
    {
        var dialect = AnthropicErrors.Instance;
        call.Http.Response.Headers["request-id"] = "req_" + Ids.Random(24);
        var key = call.Header("x-api-key") ?? OpenAiHandler.Bearer(call.Header("authorization"));
        if (!call.KeyMatches(key))
        {
            await Responder.WriteErrorAsync(call, dialect, 401, "invalid x-api-key").ConfigureAwait(false);
            return;
        }

        if (string.IsNullOrEmpty(call.Header("anthropic-version")))
        {
            await Responder.WriteErrorAsync(call, dialect, 400, "anthropic-version: header is required").ConfigureAwait(false);
            return;
        }

        if (!Json.TryParse(call.Body, out var document))
        {
            await Responder.WriteErrorAsync(call, dialect, 400, "There was an error parsing the body of your request: invalid JSON.")
                .ConfigureAwait(false);
            return;
        }

        using (document)
        {
            var root = document!.RootElement;
            var spec = call.Spec.Merge(Directives.Find(root));
            var model = Json.String(root, "model");
            var query = Parse(root, model ?? string.Empty);
            if (await Responder.ApplyPreFaultsAsync(call, spec, dialect, () => string.Join('\n', query.Messages.Select(m => m.Text)))
                .ConfigureAwait(false))
            {
                return;
            }

            if (model is null)
            {
                await Responder.WriteErrorAsync(call, dialect, 400, "model: Field required").ConfigureAwait(false);
                return;
            }

            if (model.StartsWith("missing", StringComparison.OrdinalIgnoreCase))
            {
                await Responder.WriteErrorAsync(call, dialect, 404, "model: " + model).ConfigureAwait(false);
                return;
            }

            if (countTokens)
            {
                var prompt = TokenEstimator.Count(query);
                await Responder.WriteJsonAsync(call, 200, Json.Write(w =>
                {
                    w.WriteStartObject();
                    w.WriteNumber("input_tokens", prompt);
                    w.WriteEndObject();
                }), spec).ConfigureAwait(false);
                return;
            }

            if (query.MaxTokens is null)
            {
                await Responder.WriteErrorAsync(call, dialect, 400, "max_tokens: Field required").ConfigureAwait(false);
                return;
            }

            if (ThinkingViolation(root) is { } violation)
            {
                await Responder.WriteErrorAsync(call, dialect, 400, violation).ConfigureAwait(false);
                return;
            }

            if (!query.Messages.Any(m => m.Role != "system"))
            {
                await Responder.WriteErrorAsync(call, dialect, 400, "messages: at least one message is required").ConfigureAwait(false);
                return;
            }

            var completion = CompletionGenerator.Generate(query, call.Options.Spare(spec, query), call.Options.Seed, call.Options.NextNonce(), call.Options.CheaperModels);
            var id = "msg_" + Ids.Random(24);
            if (Json.Bool(root, "stream") == true)
            {
                await Responder.StreamAsync(call, spec, StreamFrames(completion, id), StreamStyle.Sse).ConfigureAwait(false);
            }
            else
            {
                await Responder.WriteJsonAsync(call, 200, MessageJson(completion, id), spec).ConfigureAwait(false);
            }
        }
    }

    private static ChatQuery Parse(JsonElement root, string model)
    {
        var query = new ChatQuery { Model = model };
        var system = Json.Get(root, "system");
        var systemText = new StringBuilder();
        if (system.ValueKind == JsonValueKind.String)
        {
            systemText.Append(system.GetString());
        }

        foreach (var block in Json.Items(system))
        {
            Append(systemText, Json.String(block, "text"));
        }

        if (system.ValueKind != JsonValueKind.Undefined)
        {
            query.Messages.Add(new QueryMessage("system", systemText.ToString(), 0, false));
        }

        foreach (var message in Json.Items(Json.Get(root, "messages")))
        {
            var role = Json.String(message, "role") ?? "user";
            var text = new StringBuilder();
            var images = 0;
            var isToolResult = false;
            var content = Json.Get(message, "content");
            if (content.ValueKind == JsonValueKind.String)
            {
                text.Append(content.GetString());
            }

            foreach (var block in Json.Items(content))
            {
                switch (Json.String(block, "type"))
                {
                    case "text":
                        Append(text, Json.String(block, "text"));
                        break;
                    case "image":
                        images++;
                        break;
                    case "tool_use":
                        Append(text, Json.String(block, "name"));
                        Append(text, Json.Get(block, "input").ValueKind == JsonValueKind.Undefined ? null : Json.Get(block, "input").GetRawText());
                        break;
                    case "tool_result":
                        isToolResult = true;
                        var result = Json.Get(block, "content");
                        if (result.ValueKind == JsonValueKind.String)
                        {
                            Append(text, result.GetString());
                        }

                        foreach (var inner in Json.Items(result))
                        {
                            if (Json.String(inner, "type") == "image")
                            {
                                images++;
                            }
                            else
                            {
                                Append(text, Json.String(inner, "text"));
                            }
                        }

                        break;
                }
            }

            query.Messages.Add(new QueryMessage(role, text.ToString(), images, isToolResult));
        }

        foreach (var tool in Json.Items(Json.Get(root, "tools")))
        {
            // Server tools (web search, code execution…) carry a versioned type and no input_schema; they are not offered to the fake model.
            if (Json.String(tool, "name") is { } name && (Json.String(tool, "type") is null or "custom"))
            {
                query.Tools.Add(new QueryTool(name, Json.String(tool, "description"), Json.Get(tool, "input_schema")));
            }
        }

        var choice = Json.Get(root, "tool_choice");
        switch (Json.String(choice, "type"))
        {
            case "none":
                query.ToolMode = ToolMode.None;
                break;
            case "any":
                query.ToolMode = ToolMode.Required;
                break;
            case "tool":
                query.ToolMode = ToolMode.Forced;
                query.ForcedTool = Json.String(choice, "name");
                break;
        }

        query.ParallelToolCalls = Json.Bool(choice, "disable_parallel_tool_use") != true;
        query.MaxTokens = Json.Int(root, "max_tokens");
        query.Temperature = Json.Double(root, "temperature");
        foreach (var stop in Json.Items(Json.Get(root, "stop_sequences")))
        {
            if (stop.ValueKind == JsonValueKind.String)
            {
                query.Stop.Add(stop.GetString()!);
            }
        }

        var thinking = Json.Get(root, "thinking");
        if (Json.String(thinking, "type") is "enabled" or "adaptive")
        {
            query.Thinking = true;
            query.ThinkingBudget = Json.Int(thinking, "budget_tokens");
        }

        return query;
    }

    /// <summary>Anthropic's rules for thinking in a tool loop. With manual thinking on (<c>type: "enabled"</c>), the final
    /// assistant turn (the assistant messages after the last user message that holds more than tool_result blocks: a
    /// tool loop is one turn) must start with a thinking (or redacted_thinking) block when it calls a tool; adaptive
    /// thinking accepts such a turn. With any thinking on, a thinking block must carry the signature given with it (here,
    /// the emulator's own signature of its text). Null when the request keeps them.</summary>
    internal static string? ThinkingViolation(JsonElement root)
    {
        var mode = Json.String(Json.Get(root, "thinking"), "type");
        if (mode is not ("enabled" or "adaptive"))
        {
            return null;
        }

        var messages = Json.Items(Json.Get(root, "messages")).ToList();
        for (int i = 0; i < messages.Count; i++)
        {
            var blocks = Json.Items(Json.Get(messages[i], "content")).ToList();
            for (int j = 0; j < blocks.Count && Json.String(messages[i], "role") == "assistant"; j++)
            {
                if (Json.String(blocks[j], "type") == "thinking" && Json.String(blocks[j], "signature") != Signature(Json.String(blocks[j], "thinking") ?? ""))
                {
                    return $"messages.{i}.content.{j}: Invalid `signature` in `thinking` block";
                }
            }
        }

        if (mode != "enabled")
        {
            return null;
        }

        int turn = messages.FindLastIndex(m => Json.String(m, "role") == "user"
            && (Json.Get(m, "content").ValueKind != JsonValueKind.Array || !Json.Items(Json.Get(m, "content")).All(b => Json.String(b, "type") == "tool_result")));
        int first = -1;
        bool calls = false;
        for (int i = turn + 1; i < messages.Count; i++)
        {
            if (Json.String(messages[i], "role") == "assistant")
            {
                first = first < 0 ? i : first;
                calls |= Json.Items(Json.Get(messages[i], "content")).Any(b => Json.String(b, "type") == "tool_use");
            }
        }

        var opening = first < 0 ? null : Json.Items(Json.Get(messages[first], "content")).Select(b => Json.String(b, "type")).FirstOrDefault()
            ?? (Json.Get(messages[first], "content").ValueKind == JsonValueKind.String ? "text" : null);
        return calls && opening is not ("thinking" or "redacted_thinking")
            ? $"messages.{first}.content.0.type: Expected `thinking` or `redacted_thinking`, but found `{opening}`. When `thinking` is enabled, a final `assistant` message must start with a thinking block (preceeding the lastmost set of `tool_use` and `tool_result` blocks). We recommend you include thinking blocks from previous turns. To avoid this requirement, disable `thinking`. Please consult our documentation at https://docs.claude.com/en/docs/build-with-claude/extended-thinking"
            : null;
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

    private static string StopReason(FinishKind finish) => finish switch
    {
        FinishKind.Length => "max_tokens",
        FinishKind.StopSequence => "stop_sequence",
        FinishKind.ToolUse => "tool_use",
        _ => "end_turn",
    };

    /// <summary>An opaque base64 signature bound to the thinking text, as Anthropic returns for thinking blocks.</summary>
    internal static string Signature(string thinking)
    {
        var rng = new SplitMix(Hash.Of("signature:" + thinking));
        var bytes = new byte[96];
        for (var i = 0; i < bytes.Length; i += 8)
        {
            BitConverter.TryWriteBytes(bytes.AsSpan(i), rng.Next());
        }

        return Convert.ToBase64String(bytes);
    }

    private static void WriteUsage(Utf8JsonWriter w, Completion completion, int outputTokens)
    {
        w.WriteStartObject("usage");
        // Anthropic's input_tokens excludes cache reads and writes; they are reported beside it.
        w.WriteNumber("input_tokens", completion.PromptTokens - completion.CachedTokens);
        w.WriteNumber("cache_creation_input_tokens", 0);
        w.WriteNumber("cache_read_input_tokens", completion.CachedTokens);
        w.WriteNumber("output_tokens", outputTokens);
        w.WriteEndObject();
    }

    private static void WriteStop(Utf8JsonWriter w, GeneratedChoice choice)
    {
        w.WriteString("stop_reason", StopReason(choice.Finish));
        if (choice.MatchedStop is { } stop)
        {
            w.WriteString("stop_sequence", stop);
        }
        else
        {
            w.WriteNull("stop_sequence");
        }
    }

    private static byte[] MessageJson(Completion completion, string id) => Json.Write(w =>
    {
        var choice = completion.Choices[0];
        w.WriteStartObject();
        w.WriteString("id", id);
        w.WriteString("type", "message");
        w.WriteString("role", "assistant");
        w.WriteString("model", completion.ReportedModel);
        w.WriteStartArray("content");
        if (choice.ThinkingTokens.Count > 0)
        {
            w.WriteStartObject();
            w.WriteString("type", "thinking");
            w.WriteString("thinking", choice.ThinkingText);
            w.WriteString("signature", Signature(choice.ThinkingText));
            w.WriteEndObject();
        }

        if (choice.ToolCalls.Count == 0)
        {
            w.WriteStartObject();
            w.WriteString("type", "text");
            w.WriteString("text", choice.Text);
            w.WriteEndObject();
        }

        foreach (var call in choice.ToolCalls)
        {
            w.WriteStartObject();
            w.WriteString("type", "tool_use");
            w.WriteString("id", "toolu_" + call.IdSuffix);
            w.WriteString("name", call.Name);
            w.WritePropertyName("input");
            w.WriteRawValue(call.ArgumentsJson);
            w.WriteEndObject();
        }

        w.WriteEndArray();
        WriteStop(w, choice);
        WriteUsage(w, completion, completion.CompletionTokens);
        w.WriteEndObject();
    });

    private static IEnumerable<Frame> StreamFrames(Completion completion, string id)
    {
        var choice = completion.Choices[0];
        yield return Event("message_start", w =>
        {
            w.WriteStartObject("message");
            w.WriteString("id", id);
            w.WriteString("type", "message");
            w.WriteString("role", "assistant");
            w.WriteString("model", completion.ReportedModel);
            w.WriteStartArray("content");
            w.WriteEndArray();
            w.WriteNull("stop_reason");
            w.WriteNull("stop_sequence");
            WriteUsage(w, completion, 1);
            w.WriteEndObject();
        });

        var index = 0;
        var pinged = false;
        if (choice.ThinkingTokens.Count > 0)
        {
            var blockIndex = index++;
            yield return BlockStart(blockIndex, w =>
            {
                w.WriteString("type", "thinking");
                w.WriteString("thinking", string.Empty);
                w.WriteString("signature", string.Empty);
            });
            yield return Ping();
            pinged = true;
            foreach (var token in choice.ThinkingTokens)
            {
                yield return Delta(blockIndex, w =>
                {
                    w.WriteString("type", "thinking_delta");
                    w.WriteString("thinking", token);
                });
            }

            yield return Delta(blockIndex, w =>
            {
                w.WriteString("type", "signature_delta");
                w.WriteString("signature", Signature(choice.ThinkingText));
            });
            yield return BlockStop(blockIndex);
        }

        if (choice.ToolCalls.Count == 0)
        {
            var blockIndex = index++;
            yield return BlockStart(blockIndex, w =>
            {
                w.WriteString("type", "text");
                w.WriteString("text", string.Empty);
            });
            if (!pinged)
            {
                yield return Ping();
                pinged = true;
            }

            foreach (var token in choice.TextTokens)
            {
                yield return Delta(blockIndex, w =>
                {
                    w.WriteString("type", "text_delta");
                    w.WriteString("text", token);
                });
            }

            yield return BlockStop(blockIndex);
        }

        foreach (var call in choice.ToolCalls)
        {
            var blockIndex = index++;
            yield return BlockStart(blockIndex, w =>
            {
                w.WriteString("type", "tool_use");
                w.WriteString("id", "toolu_" + call.IdSuffix);
                w.WriteString("name", call.Name);
                w.WriteStartObject("input");
                w.WriteEndObject();
            });
            if (!pinged)
            {
                yield return Ping();
                pinged = true;
            }

            foreach (var fragment in Ids.Fragments(call.ArgumentsJson, 12))
            {
                yield return Delta(blockIndex, w =>
                {
                    w.WriteString("type", "input_json_delta");
                    w.WriteString("partial_json", fragment);
                });
            }

            yield return BlockStop(blockIndex);
        }

        yield return Event("message_delta", w =>
        {
            w.WriteStartObject("delta");
            WriteStop(w, choice);
            w.WriteEndObject();
            w.WriteStartObject("usage");
            w.WriteNumber("output_tokens", completion.CompletionTokens);
            w.WriteEndObject();
        });
        yield return Event("message_stop", _ => { });
    }

    private static Frame Ping() => Event("ping", _ => { });

    private static Frame BlockStart(int index, Action<Utf8JsonWriter> block) => Event("content_block_start", w =>
    {
        w.WriteNumber("index", index);
        w.WriteStartObject("content_block");
        block(w);
        w.WriteEndObject();
    });

    private static Frame Delta(int index, Action<Utf8JsonWriter> delta) => Event("content_block_delta", w =>
    {
        w.WriteNumber("index", index);
        w.WriteStartObject("delta");
        delta(w);
        w.WriteEndObject();
    });

    private static Frame BlockStop(int index) => Event("content_block_stop", w => w.WriteNumber("index", index));

    private static Frame Event(string type, Action<Utf8JsonWriter> body) => new(type, Json.Write(w =>
    {
        w.WriteStartObject();
        w.WriteString("type", type);
        body(w);
        w.WriteEndObject();
    }));
}
