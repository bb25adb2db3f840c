using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;
using Candor.Protocols.Canonical;

namespace Candor.Protocols.Codecs;

/// <summary>A simple chat request (an optional system message, one user message, sampling parameters, at most one
/// function tool) written as the vendor's official Python SDK puts it on the wire, which is what a same-wire client
/// sends through Candor's fast path: the members in the SDK's order (its generated <c>create</c> methods list the
/// required parameters, then the optional ones alphabetically: OpenAI <c>messages, model, max_completion_tokens,
/// stream, stream_options, temperature, tools, top_p</c> (max_tokens is deprecated there); Anthropic <c>max_tokens, messages, model, stream, system,
/// temperature, tools, top_p</c>), unset parameters left out, message and tool objects in the documented order, and
/// compact JSON with text as raw UTF-8 (httpx's JSON encoding since 0.28, and JSON.stringify's). Audit probes use it
/// so that an upstream cannot tell them from client traffic by their bytes (docs/audits.md).</summary>
public static class SdkShapedRequest
{
    private static readonly JsonWriterOptions Options = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>What a probe-like request carries.</summary>
    /// <param name="Model">The upstream model.</param>
    /// <param name="System">The system message, or null.</param>
    /// <param name="User">The user message.</param>
    /// <param name="MaxTokens">The output limit, or null (Anthropic requires one: <paramref name="DefaultMaxTokens"/>).</param>
    /// <param name="Temperature">The sampling temperature, or null.</param>
    /// <param name="TopP">top_p, or null.</param>
    /// <param name="Stream">Whether a stream is asked for (OpenAI: with <c>stream_options.include_usage</c>).</param>
    /// <param name="Tool">One function tool (name, description, JSON schema), or null.</param>
    /// <param name="DefaultMaxTokens">max_tokens for a wire that requires it when <paramref name="MaxTokens"/> is null.</param>
    public sealed record Fields(
        string Model, string? System, string User, int? MaxTokens, double? Temperature, double? TopP, bool Stream,
        (string Name, string? Description, JsonElement Schema)? Tool, int DefaultMaxTokens);

    /// <summary>Writes <paramref name="fields"/> as <paramref name="wire"/>'s SDK sends them; false (nothing written) for a
    /// wire without a known SDK shape, which keeps its encoder's.</summary>
    public static bool TryWrite(WireProtocol wire, Fields fields, IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(fields);
        if (wire is not (WireProtocol.OpenAI or WireProtocol.Anthropic))
        {
            return false;
        }

        using var w = new Utf8JsonWriter(output, Options);
        w.WriteStartObject();
        if (wire == WireProtocol.OpenAI)
        {
            WriteOpenAI(w, fields);
        }
        else
        {
            WriteAnthropic(w, fields);
        }

        w.WriteEndObject();
        return true;
    }

    private static void WriteOpenAI(Utf8JsonWriter w, Fields f)
    {
        w.WriteStartArray("messages");
        if (f.System is { } system)
        {
            Message(w, "system", system);
        }

        Message(w, "user", f.User);
        w.WriteEndArray();
        w.WriteString("model", f.Model);
        if (f.MaxTokens is { } max)
        {
            w.WriteNumber("max_completion_tokens", max);
        }

        if (f.Stream)
        {
            w.WriteBoolean("stream", true);
            w.WriteStartObject("stream_options");
            w.WriteBoolean("include_usage", true);
            w.WriteEndObject();
        }

        Optional(w, "temperature", f.Temperature);
        if (f.Tool is { } tool)
        {
            w.WriteStartArray("tools");
            w.WriteStartObject();
            w.WriteString("type", "function");
            w.WriteStartObject("function");
            Function(w, tool, "parameters");
            w.WriteEndObject();
            w.WriteEndObject();
            w.WriteEndArray();
        }

        Optional(w, "top_p", f.TopP);
    }

    private static void WriteAnthropic(Utf8JsonWriter w, Fields f)
    {
        w.WriteNumber("max_tokens", f.MaxTokens ?? f.DefaultMaxTokens);
        w.WriteStartArray("messages");
        Message(w, "user", f.User);
        w.WriteEndArray();
        w.WriteString("model", f.Model);
        if (f.Stream)
        {
            w.WriteBoolean("stream", true);
        }

        if (f.System is { } system)
        {
            w.WriteString("system", system);
        }

        Optional(w, "temperature", f.Temperature);
        if (f.Tool is { } tool)
        {
            w.WriteStartArray("tools");
            w.WriteStartObject();
            Function(w, tool, "input_schema");
            w.WriteEndObject();
            w.WriteEndArray();
        }

        Optional(w, "top_p", f.TopP);
    }

    /// <summary>A function's name, description and schema (under <paramref name="schemaName"/>), in the documented order.</summary>
    private static void Function(Utf8JsonWriter w, (string Name, string? Description, JsonElement Schema) tool, string schemaName)
    {
        w.WriteString("name", tool.Name);
        if (tool.Description is { } description)
        {
            w.WriteString("description", description);
        }

        w.WritePropertyName(schemaName);
        tool.Schema.WriteTo(w);
    }

    private static void Message(Utf8JsonWriter w, string role, string content)
    {
        w.WriteStartObject();
        w.WriteString("role", role);
        w.WriteString("content", content);
        w.WriteEndObject();
    }

    private static void Optional(Utf8JsonWriter w, string name, double? value)
    {
        if (value is { } v)
        {
            w.WriteNumber(name, v);
        }
    }
}
