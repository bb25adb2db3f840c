using System.Text.Json;
using Candor.Protocols.Canonical;

namespace Candor.Protocols.OpenAI;

/// <summary>Writes a canonical request as an OpenAI chat completions body for an upstream.
/// Thinking parts of assistant history are dropped (the OpenAI wire has no input field for them) unless
/// <see cref="OpenAIRequestOptions.WriteReasoningContent"/> asks for them as <c>reasoning_content</c>.
/// Tool results become one <c>tool</c> message each, wherever the source protocol kept them (Anthropic
/// and Gemini carry them inside user turns); images inside tool results become the text
/// <c>[image omitted]</c> because OpenAI tool messages hold text only.</summary>
public static class OpenAIChatRequestEncoder
{
    /// <summary>Writes the whole body as one JSON object.</summary>
    /// <param name="request">The canonical request.</param>
    /// <param name="upstreamModel">The model name the upstream knows.</param>
    /// <param name="options">What the vendor accepts.</param>
    /// <param name="writer">The destination; flushed before returning.</param>
    public static void Write(ChatRequest request, string upstreamModel, OpenAIRequestOptions options, Utf8JsonWriter writer)
    {
        var w = writer;
        w.WriteStartObject();
        w.WriteString("model", upstreamModel);
        WriteMessages(w, request, options);
        WriteTools(w, request, options);

        if (request.ResponseFormat is { } rf)
        {
            WriteResponseFormat(w, rf, options);
        }

        if (request.MaxOutputTokens is { } max)
        {
            w.WriteNumber(options.UseMaxCompletionTokens ? "max_completion_tokens" : "max_tokens", max);
        }

        if (options.SamplingSupported)
        {
            if (request.Temperature is { } temp)
            {
                w.WriteNumber("temperature", options.MaxTemperature is { } maxT ? Math.Min(temp, maxT) : temp);
            }

            if (request.TopP is { } topP)
            {
                w.WriteNumber("top_p", topP);
            }
        }

        if (options.TopKSupported && request.TopK is { } topK)
        {
            w.WriteNumber("top_k", topK);
        }

        if (request.Stop.Count == 1)
        {
            w.WriteString("stop", request.Stop[0]);
        }
        else if (request.Stop.Count > 1)
        {
            w.WriteStartArray("stop");
            foreach (var s in request.Stop)
            {
                w.WriteStringValue(s);
            }

            w.WriteEndArray();
        }

        if (options.SeedSupported && request.Seed is { } seed)
        {
            w.WriteNumber("seed", seed);
        }

        if (request.N is { } n)
        {
            w.WriteNumber("n", n);
        }

        if (options.PenaltiesSupported)
        {
            if (request.PresencePenalty is { } pp)
            {
                w.WriteNumber("presence_penalty", pp);
            }

            if (request.FrequencyPenalty is { } fp)
            {
                w.WriteNumber("frequency_penalty", fp);
            }
        }

        if (options.LogprobsSupported)
        {
            if (request.Logprobs is { } lp)
            {
                w.WriteBoolean("logprobs", lp);
            }

            if (request.TopLogprobs is { } tlp)
            {
                w.WriteNumber("top_logprobs", tlp);
            }
        }

        if (options.UserFieldName is { } userField && request.User is { } user)
        {
            w.WriteString(userField, user);
        }

        if (options.MetadataSupported && request.Metadata is { Count: > 0 } metadata)
        {
            w.WriteStartObject("metadata");
            foreach (var (k, v) in metadata)
            {
                w.WriteString(k, v);
            }

            w.WriteEndObject();
        }

        if (options.ReasoningEffortSupported && request.ReasoningEffort is { } effort)
        {
            w.WriteString("reasoning_effort", effort);
        }

        if (request.Stream)
        {
            w.WriteBoolean("stream", true);
            if (options.StreamUsageSupported)
            {
                // Candor always asks for usage; the client encoder shows it only if the client asked.
                w.WriteStartObject("stream_options");
                w.WriteBoolean("include_usage", true);
                w.WriteEndObject();
            }
        }

        if (options.ExtraFields is { } extra)
        {
            foreach (var (k, v) in extra)
            {
                w.WritePropertyName(k);
                if (v is null)
                {
                    w.WriteNullValue();
                }
                else
                {
                    v.WriteTo(w);
                }
            }
        }

        if (options.WriteUnmapped && request.SourceProtocol == WireProtocol.OpenAI && request.Unmapped is { } unmapped)
        {
            foreach (var (k, v) in unmapped)
            {
                if (options.ExtraFields?.ContainsKey(k) == true)
                {
                    continue;
                }

                w.WritePropertyName(k);
                if (v is null)
                {
                    w.WriteNullValue();
                }
                else
                {
                    v.WriteTo(w);
                }
            }
        }

        w.WriteEndObject();
        w.Flush();
    }

    private static void WriteMessages(Utf8JsonWriter w, ChatRequest request, OpenAIRequestOptions options)
    {
        w.WriteStartArray("messages");
        foreach (var m in request.Messages)
        {
            switch (m.Role)
            {
                case ChatRole.System:
                case ChatRole.Developer:
                    w.WriteStartObject();
                    w.WriteString("role", m.Role == ChatRole.Developer && options.DeveloperRoleSupported ? "developer" : "system");
                    w.WriteString("content", m.TextContent());
                    WriteName(w, m);
                    w.WriteEndObject();
                    break;
                case ChatRole.Assistant:
                    WriteAssistant(w, m, options.WriteReasoningContent);
                    break;
                default:
                    WriteUserOrTool(w, m);
                    break;
            }
        }

        w.WriteEndArray();
    }

    private static void WriteName(Utf8JsonWriter w, ChatMessage m)
    {
        if (m.Name is { } name)
        {
            w.WriteString("name", name);
        }
    }

    private static void WriteAssistant(Utf8JsonWriter w, ChatMessage m, bool writeReasoning)
    {
        string? text = null;
        string? reasoning = null;
        bool hasTools = false;
        foreach (var part in m.Parts)
        {
            if (part is TextPart t)
            {
                text = text is null ? t.Text : text + t.Text;
            }
            else if (part is ToolCallPart)
            {
                hasTools = true;
            }
            else if (writeReasoning && part is ThinkingPart th)
            {
                reasoning = reasoning is null ? th.Text : reasoning + th.Text;
            }
        }

        w.WriteStartObject();
        w.WriteString("role", "assistant");
        if (text is null && hasTools)
        {
            w.WriteNull("content");
        }
        else
        {
            w.WriteString("content", text ?? "");
        }

        WriteName(w, m);
        if (!string.IsNullOrEmpty(reasoning))
        {
            w.WriteString("reasoning_content", reasoning);
        }

        if (hasTools)
        {
            OpenAIWire.WriteToolCalls(w, m.Parts);
        }

        w.WriteEndObject();
    }

    private static void WriteUserOrTool(Utf8JsonWriter w, ChatMessage m)
    {
        // Tool results first: Anthropic requires them to lead their user turn, and OpenAI requires tool
        // messages to follow the assistant turn that called the tools directly.
        int others = 0;
        foreach (var part in m.Parts)
        {
            if (part is ToolResultPart result)
            {
                w.WriteStartObject();
                w.WriteString("role", "tool");
                w.WriteString("tool_call_id", result.ToolCallId);
                w.WriteString("content", ToolResultText(result));
                w.WriteEndObject();
            }
            else
            {
                others++;
            }
        }

        if (others == 0)
        {
            return;
        }

        w.WriteStartObject();
        w.WriteString("role", "user");
        WriteName(w, m);
        if (others == 1 && m.Parts.Find(static p => p is not ToolResultPart) is TextPart only)
        {
            w.WriteString("content", only.Text);
        }
        else
        {
            w.WriteStartArray("content");
            foreach (var part in m.Parts)
            {
                WriteUserPart(w, part);
            }

            w.WriteEndArray();
        }

        w.WriteEndObject();
    }

    private static string ToolResultText(ToolResultPart result)
    {
        if (result.Content.TrueForAll(static p => p is TextPart))
        {
            return result.Text();
        }

        var sb = new System.Text.StringBuilder();
        foreach (var part in result.Content)
        {
            sb.Append(part switch
            {
                TextPart t => t.Text,
                ImagePart => "[image omitted]",
                _ => "[attachment omitted]",
            });
        }

        return sb.ToString();
    }

    private static void WriteUserPart(Utf8JsonWriter w, ContentPart part)
    {
        switch (part)
        {
            case TextPart t:
                w.WriteStartObject();
                w.WriteString("type", "text");
                w.WriteString("text", t.Text);
                w.WriteEndObject();
                break;
            case ImagePart img:
                w.WriteStartObject();
                w.WriteString("type", "image_url");
                w.WriteStartObject("image_url");
                w.WriteString("url", img.ToUrl());
                if (img.Detail is { } detail)
                {
                    w.WriteString("detail", detail);
                }

                w.WriteEndObject();
                w.WriteEndObject();
                break;
            case FilePart { Base64Data: not null, MediaType: { } mt } audio when mt.StartsWith("audio/", StringComparison.OrdinalIgnoreCase):
                w.WriteStartObject();
                w.WriteString("type", "input_audio");
                w.WriteStartObject("input_audio");
                w.WriteString("data", audio.Base64Data);
                w.WriteString("format", mt[6..] switch
                {
                    "mpeg" => "mp3",
                    "x-wav" or "wave" => "wav",
                    var other => other,
                });
                w.WriteEndObject();
                w.WriteEndObject();
                break;
            case FilePart { Base64Data: not null } file:
                w.WriteStartObject();
                w.WriteString("type", "file");
                w.WriteStartObject("file");
                w.WriteString("filename", file.FileName ?? "document");
                w.WriteString("file_data", $"data:{file.MediaType ?? "application/pdf"};base64,{file.Base64Data}");
                w.WriteEndObject();
                w.WriteEndObject();
                break;
            case FilePart file:
                // OpenAI's file part takes inline data only; adapters reject URL-only files in CheckSupported.
                w.WriteStartObject();
                w.WriteString("type", "text");
                w.WriteString("text", file.Url is null ? "[file omitted]" : $"[file: {file.Url}]");
                w.WriteEndObject();
                break;

                // Thinking, redacted thinking and tool calls have no place in a user message.
        }
    }

    private static void WriteTools(Utf8JsonWriter w, ChatRequest request, OpenAIRequestOptions options)
    {
        if (request.Tools.Count == 0)
        {
            return;
        }

        var choice = request.ToolChoice;
        string? onlyTool = null;
        string? choiceWord = null;
        bool writeChoiceObject = false;
        if (choice is not null && options.ToolChoiceSupported)
        {
            switch (choice.Mode)
            {
                case ToolChoiceMode.None when !options.ToolChoiceNoneSupported:
                    // Offering no tools is the vendor-neutral way to forbid tool calls.
                    return;
                case ToolChoiceMode.None:
                    choiceWord = "none";
                    break;
                case ToolChoiceMode.Auto:
                    choiceWord = "auto";
                    break;
                case ToolChoiceMode.Required:
                    choiceWord = options.ToolChoiceRequiredSupported ? "required" : "auto";
                    break;
                case ToolChoiceMode.Specific when options.ToolChoiceSpecificSupported:
                    writeChoiceObject = true;
                    break;
                case ToolChoiceMode.Specific:
                    onlyTool = choice.Name;
                    choiceWord = options.ToolChoiceRequiredSupported ? "required" : "auto";
                    break;
            }
        }

        w.WriteStartArray("tools");
        foreach (var tool in request.Tools)
        {
            if (onlyTool is not null && !string.Equals(tool.Name, onlyTool, StringComparison.Ordinal))
            {
                continue;
            }

            w.WriteStartObject();
            w.WriteString("type", "function");
            w.WriteStartObject("function");
            w.WriteString("name", tool.Name);
            if (tool.Description is { } desc)
            {
                w.WriteString("description", desc);
            }

            if (tool.Parameters is { } parameters)
            {
                w.WritePropertyName("parameters");
                parameters.WriteTo(w);
            }

            if (tool.Strict is { } strict)
            {
                w.WriteBoolean("strict", strict);
            }

            w.WriteEndObject();
            w.WriteEndObject();
        }

        w.WriteEndArray();
        if (writeChoiceObject)
        {
            w.WriteStartObject("tool_choice");
            w.WriteString("type", "function");
            w.WriteStartObject("function");
            w.WriteString("name", choice!.Name);
            w.WriteEndObject();
            w.WriteEndObject();
        }
        else if (choiceWord is not null)
        {
            w.WriteString("tool_choice", choiceWord);
        }

        if (options.ParallelToolCallsSupported && request.ParallelToolCalls is { } parallel)
        {
            w.WriteBoolean("parallel_tool_calls", parallel);
        }
    }

    private static void WriteResponseFormat(Utf8JsonWriter w, ResponseFormat rf, OpenAIRequestOptions options)
    {
        w.WriteStartObject("response_format");
        switch (rf.Kind)
        {
            case ResponseFormatKind.Text:
                w.WriteString("type", "text");
                break;
            case ResponseFormatKind.JsonSchema when options.JsonSchemaSupported && rf.Schema is not null:
                w.WriteString("type", "json_schema");
                w.WriteStartObject("json_schema");
                w.WriteString("name", rf.SchemaName ?? "response");
                w.WritePropertyName("schema");
                rf.Schema.Value.WriteTo(w);
                if (rf.Strict is { } strict)
                {
                    w.WriteBoolean("strict", strict);
                }

                w.WriteEndObject();
                break;
            default:
                w.WriteString("type", "json_object");
                break;
        }

        w.WriteEndObject();
    }
}
