using System.Text.Json;

namespace Candor.Protocols.Canonical;

/// <summary>A function the model may call. The parameters are a JSON Schema object.</summary>
public sealed class ToolDefinition(string name)
{
    public string Name { get; set; } = name;

    public string? Description { get; set; }

    /// <summary>JSON Schema of the arguments; null means "no parameters".</summary>
    public JsonElement? Parameters { get; set; }

    /// <summary>OpenAI structured-output strictness when given.</summary>
    public bool? Strict { get; set; }
}

/// <summary>How the model must use tools.</summary>
public enum ToolChoiceMode
{
    /// <summary>The model decides (OpenAI auto, Anthropic auto, Gemini AUTO).</summary>
    Auto,

    /// <summary>No tool calls (OpenAI none, Anthropic none, Gemini NONE).</summary>
    None,

    /// <summary>At least one tool call (OpenAI required, Anthropic any, Gemini ANY).</summary>
    Required,

    /// <summary>This named tool (OpenAI function, Anthropic tool, Gemini ANY with one allowed name).</summary>
    Specific,
}

/// <summary>Tool choice with an optional named function and the parallel-call switch.</summary>
public sealed class ToolChoice(ToolChoiceMode mode, string? name = null)
{
    public ToolChoiceMode Mode { get; set; } = mode;

    public string? Name { get; set; } = name;
}

/// <summary>Requested output format.</summary>
public enum ResponseFormatKind
{
    Text,
    JsonObject,
    JsonSchema,
}

/// <summary>OpenAI <c>response_format</c>, Gemini <c>responseMimeType</c>/<c>responseSchema</c>.</summary>
public sealed class ResponseFormat(ResponseFormatKind kind)
{
    public ResponseFormatKind Kind { get; set; } = kind;

    public string? SchemaName { get; set; }

    public JsonElement? Schema { get; set; }

    public bool? Strict { get; set; }
}
