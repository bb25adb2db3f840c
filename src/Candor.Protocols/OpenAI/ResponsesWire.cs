using System.Text.Json;
using Candor.Protocols.Canonical;

namespace Candor.Protocols.OpenAI;

/// <summary>Vocabulary of OpenAI's Responses API shared by its decoder and encoder: the state policy's errors, the
/// reasoning carrier, usage and the echo of the request in a <c>response</c> object.</summary>
public static class ResponsesWire
{
    /// <summary>The <c>include</c> value that asks for reasoning items' <c>encrypted_content</c> (Codex CLI sends it).</summary>
    public const string IncludeEncryptedReasoning = "reasoning.encrypted_content";

    /// <summary>Marks an <c>encrypted_content</c> that carries a redacted-thinking block (Anthropic
    /// <c>redacted_thinking</c>) rather than a thinking signature; the client sends it back as it got it.</summary>
    public const string RedactedPrefix = "candor.redacted:";

    private const string ZeroRetention = "Candor keeps no conversation state (zero retention): ";

    /// <summary>The 400 for a request that needs state kept by the server (<c>store: true</c>,
    /// <c>previous_response_id</c>, <c>item_reference</c>…): says why, so nothing is silently lost.</summary>
    public static RelayError NoState(string param, string detail) =>
        RelayError.BadRequest(ZeroRetention + detail + ".", param) with { Code = "unsupported_parameter" };

    /// <summary>The 404 for <c>GET</c>/<c>DELETE /v1/responses/{id}</c> and its <c>input_items</c>: no response is
    /// ever stored, so none can be read back or deleted.</summary>
    public static RelayError NotStored() =>
        new(RelayStage.Routing, RelayErrorKind.NotFound, 404,
            ZeroRetention + "no response is stored, so none can be retrieved, listed or deleted; send the whole conversation in 'input' with 'store: false'.")
        {
            Code = "not_found",
        };

    /// <summary>Whether the client asked for reasoning items' <c>encrypted_content</c>.</summary>
    internal static bool WantsEncryptedReasoning(ChatRequest request) =>
        request.Unmapped?[IncludeEncryptedReasoning] is not null;

    /// <summary>Writes <c>"usage":{…}</c> in the Responses shape (input/output tokens with their details).</summary>
    internal static void WriteUsage(Utf8JsonWriter w, Usage? usage)
    {
        if (usage is null)
        {
            w.WriteNull("usage");
            return;
        }

        int input = usage.InputTokens ?? 0, output = usage.OutputTokens ?? 0;
        w.WriteStartObject("usage");
        w.WriteNumber("input_tokens", input);
        w.WriteStartObject("input_tokens_details");
        w.WriteNumber("cached_tokens", usage.CachedInputTokens ?? 0);
        w.WriteEndObject();
        w.WriteNumber("output_tokens", output);
        w.WriteStartObject("output_tokens_details");
        w.WriteNumber("reasoning_tokens", usage.ReasoningTokens ?? 0);
        w.WriteEndObject();
        w.WriteNumber("total_tokens", usage.TotalTokens ?? input + output);
        w.WriteEndObject();
    }

    /// <summary>Writes the request's parameters as a <c>response</c> object echoes them (after <c>model</c> and
    /// <c>output</c>): instructions are not echoed, <c>store</c> is always false.</summary>
    internal static void WriteEcho(Utf8JsonWriter w, ChatRequest request)
    {
        w.WriteBoolean("parallel_tool_calls", request.ParallelToolCalls ?? true);
        w.WriteNull("previous_response_id");
        w.WriteStartObject("reasoning");
        if (request.ReasoningEffort is { } effort)
        {
            w.WriteString("effort", effort);
        }
        else
        {
            w.WriteNull("effort");
        }

        w.WriteNull("summary");
        w.WriteEndObject();
        w.WriteBoolean("store", false);
        WriteNumber(w, "temperature", request.Temperature);
        w.WriteStartObject("text");
        w.WriteStartObject("format");
        switch (request.ResponseFormat)
        {
            case { Kind: ResponseFormatKind.JsonObject }:
                w.WriteString("type", "json_object");
                break;
            case { Kind: ResponseFormatKind.JsonSchema } schema:
                w.WriteString("type", "json_schema");
                w.WriteString("name", schema.SchemaName);
                if (schema.Schema is { } s)
                {
                    w.WritePropertyName("schema");
                    s.WriteTo(w);
                }

                if (schema.Strict is { } strict)
                {
                    w.WriteBoolean("strict", strict);
                }

                break;
            default:
                w.WriteString("type", "text");
                break;
        }

        w.WriteEndObject();
        w.WriteEndObject();
        WriteToolChoice(w, request.ToolChoice);
        w.WriteStartArray("tools");
        foreach (var tool in request.Tools)
        {
            w.WriteStartObject();
            w.WriteString("type", "function");
            w.WriteString("name", tool.Name);
            if (tool.Description is { } description)
            {
                w.WriteString("description", description);
            }

            w.WritePropertyName("parameters");
            if (tool.Parameters is { } parameters)
            {
                parameters.WriteTo(w);
            }
            else
            {
                w.WriteNullValue();
            }

            w.WriteBoolean("strict", tool.Strict ?? false);
            w.WriteEndObject();
        }

        w.WriteEndArray();
        WriteNumber(w, "top_p", request.TopP);
        w.WriteString("truncation", "disabled");
        w.WriteNull("user");
        w.WriteStartObject("metadata");
        if (request.Metadata is { } metadata)
        {
            foreach (var (key, value) in metadata)
            {
                w.WriteString(key, value);
            }
        }

        w.WriteEndObject();
    }

    private static void WriteToolChoice(Utf8JsonWriter w, ToolChoice? choice)
    {
        switch (choice)
        {
            case { Mode: ToolChoiceMode.Specific, Name: { } name }:
                w.WriteStartObject("tool_choice");
                w.WriteString("type", "function");
                w.WriteString("name", name);
                w.WriteEndObject();
                break;
            case { Mode: ToolChoiceMode.None }:
                w.WriteString("tool_choice", "none");
                break;
            case { Mode: ToolChoiceMode.Required }:
                w.WriteString("tool_choice", "required");
                break;
            default:
                w.WriteString("tool_choice", "auto");
                break;
        }
    }

    private static void WriteNumber(Utf8JsonWriter w, string name, double? value)
    {
        if (value is { } v)
        {
            w.WriteNumber(name, v);
        }
        else
        {
            w.WriteNull(name);
        }
    }
}
