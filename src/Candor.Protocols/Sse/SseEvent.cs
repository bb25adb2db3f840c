namespace Candor.Protocols.Sse;

/// <summary>One dispatched server-sent event. <see cref="Data"/> is owned by the parser and stays valid
/// only until the parser is called again.</summary>
public readonly struct SseEvent(string? eventType, ReadOnlyMemory<byte> data, string? id, SseLineBreak lineBreak = SseLineBreak.Lf)
{
    /// <summary>The <c>event:</c> field, or null when absent (the "message" default).</summary>
    public string? EventType { get; } = eventType;

    /// <summary>The <c>data:</c> lines joined with LF, as UTF-8.</summary>
    public ReadOnlyMemory<byte> Data { get; } = data;

    /// <summary>The <c>id:</c> field when the event set one.</summary>
    public string? Id { get; } = id;

    /// <summary>The line ending of the event's lines as the stream wrote them (<see cref="SseWriter.WriteRelayed"/>
    /// repeats it).</summary>
    public SseLineBreak LineBreak { get; } = lineBreak;

    /// <summary>True for OpenAI's end marker <c>data: [DONE]</c>.</summary>
    public bool IsDone => Data.Span.SequenceEqual("[DONE]"u8);
}
