namespace Candor.Protocols.Canonical;

/// <summary>A complete (non-streamed) response: what <see cref="ChatResponseAccumulator"/> gathers.</summary>
public sealed class ChatResponse
{
    public string Id { get; set; } = "";

    /// <summary>The model the upstream reported.</summary>
    public string? Model { get; set; }

    public long CreatedUnixSeconds { get; set; }

    public string? SystemFingerprint { get; set; }

    public List<ChatChoice> Choices { get; } = [];

    public Usage? Usage { get; set; }
}

/// <summary>One choice: the assistant message parts in order and why it ended.</summary>
public sealed class ChatChoice(int index)
{
    public int Index { get; } = index;

    public List<ContentPart> Parts { get; } = [];

    public FinishReason? FinishReason { get; set; }

    public string? RawFinishReason { get; set; }

    public string? StopSequence { get; set; }

    /// <summary>Log-probability entries gathered from deltas (OpenAI content items), if any.</summary>
    public List<System.Text.Json.JsonElement>? Logprobs { get; set; }
}
