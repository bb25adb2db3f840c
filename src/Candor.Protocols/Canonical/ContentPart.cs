using System.Text.Json;

namespace Candor.Protocols.Canonical;

/// <summary>One typed piece of a message. The set is closed: every translator handles each kind.</summary>
public abstract class ContentPart
{
    private protected ContentPart()
    {
    }

    /// <summary>Protocol-specific attributes of the part that have no canonical meaning (for example
    /// Anthropic <c>cache_control</c>); kept so that a same-protocol encoder can write them back.</summary>
    public JsonElement? Extra { get; set; }
}

/// <summary>Plain text.</summary>
public sealed class TextPart(string text) : ContentPart
{
    public string Text { get; set; } = text;
}

/// <summary>An image given by URL (http(s) or a data: URL) or by inline base64 data with its media type.</summary>
public sealed class ImagePart : ContentPart
{
    /// <summary>A remote URL; null when the image is inline.</summary>
    public string? Url { get; set; }

    /// <summary>Media type of inline data, for example <c>image/png</c>.</summary>
    public string? MediaType { get; set; }

    /// <summary>Base64 of inline data (no data: prefix).</summary>
    public string? Base64Data { get; set; }

    /// <summary>OpenAI's <c>detail</c> (auto, low, high) when given.</summary>
    public string? Detail { get; set; }

    /// <summary>Creates an image part from an OpenAI-style URL, splitting data: URLs into media type and data.</summary>
    public static ImagePart FromUrl(string url, string? detail = null)
    {
        if (url.StartsWith("data:", StringComparison.OrdinalIgnoreCase))
        {
            int comma = url.IndexOf(',', StringComparison.Ordinal);
            int semi = url.IndexOf(";base64", StringComparison.OrdinalIgnoreCase);
            if (comma > 0 && semi > 5 && semi < comma)
            {
                return new ImagePart { MediaType = url[5..semi], Base64Data = url[(comma + 1)..], Detail = detail };
            }
        }

        return new ImagePart { Url = url, Detail = detail };
    }

    /// <summary>The image as one URL: the remote URL, or a data: URL built from the inline data.</summary>
    public string ToUrl() => Url ?? $"data:{MediaType};base64,{Base64Data}";
}

/// <summary>A call the assistant makes to a tool. Arguments are the JSON text the model produced.</summary>
public sealed class ToolCallPart(string id, string name, string argumentsJson) : ContentPart
{
    public string Id { get; set; } = id;

    public string Name { get; set; } = name;

    /// <summary>The arguments as a JSON text (an object), exactly as produced.</summary>
    public string ArgumentsJson { get; set; } = argumentsJson;
}

/// <summary>The result of a tool call, sent back by the client. Content is text and images.</summary>
public sealed class ToolResultPart(string toolCallId) : ContentPart
{
    public string ToolCallId { get; set; } = toolCallId;

    /// <summary>The tool's name when the protocol carries it (Gemini needs it; OpenAI and Anthropic do not).</summary>
    public string? Name { get; set; }

    public List<ContentPart> Content { get; } = [];

    public bool IsError { get; set; }

    /// <summary>The concatenated text of the content.</summary>
    public string Text() => string.Concat(Content.OfType<TextPart>().Select(static t => t.Text));
}

/// <summary>Model reasoning. The signature (Anthropic) is opaque and passed through untouched.</summary>
public sealed class ThinkingPart(string text) : ContentPart
{
    public string Text { get; set; } = text;

    public string? Signature { get; set; }
}

/// <summary>Encrypted reasoning (Anthropic <c>redacted_thinking</c>), opaque and passed through untouched.</summary>
public sealed class RedactedThinkingPart(string data) : ContentPart
{
    public string Data { get; set; } = data;
}

/// <summary>A document or other file given inline (base64) or by URL, such as a PDF.</summary>
public sealed class FilePart : ContentPart
{
    public string? Url { get; set; }

    public string? MediaType { get; set; }

    public string? Base64Data { get; set; }

    public string? FileName { get; set; }
}
