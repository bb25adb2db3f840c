namespace Candor.Protocols.Canonical;

/// <summary>One message of a conversation: a role and its parts in order.</summary>
public sealed class ChatMessage(ChatRole role)
{
    public ChatRole Role { get; set; } = role;

    /// <summary>OpenAI's optional participant name.</summary>
    public string? Name { get; set; }

    public List<ContentPart> Parts { get; } = [];

    public static ChatMessage Text(ChatRole role, string text)
    {
        var m = new ChatMessage(role);
        m.Parts.Add(new TextPart(text));
        return m;
    }

    /// <summary>The concatenated text parts.</summary>
    public string TextContent() => string.Concat(Parts.OfType<TextPart>().Select(static t => t.Text));
}
