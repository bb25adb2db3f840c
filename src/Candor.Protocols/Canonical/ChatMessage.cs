using System.Text.Json;

namespace Candor.Protocols.Canonical;

/// <summary>One message of a conversation: a role and its parts in order.</summary>
public sealed class ChatMessage(ChatRole role)
{
    public ChatRole Role { get; set; } = role;

    /// <summary>OpenAI's optional participant name.</summary>
    public string? Name { get; set; }

    public List<ContentPart> Parts { get; } = [];

    /// <summary>Protocol-specific attributes of the message itself that have no canonical meaning (the
    /// <c>cache_control</c> of an Anthropic mid-conversation system message), as a JSON object; kept so that a
    /// same-protocol encoder can write them back.</summary>
    public JsonElement? Extra { get; set; }

    public static ChatMessage Text(ChatRole role, string text)
    {
        var m = new ChatMessage(role);
        m.Parts.Add(new TextPart(text));
        return m;
    }

    /// <summary>The concatenated text parts.</summary>
    public string TextContent() => string.Concat(Parts.OfType<TextPart>().Select(static t => t.Text));
}
