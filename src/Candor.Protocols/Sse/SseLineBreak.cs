namespace Candor.Protocols.Sse;

/// <summary>How a stream ends its lines; the event stream format allows all three, and vendors differ (Gemini writes
/// CRLF, OpenAI and Anthropic LF).</summary>
public enum SseLineBreak : byte
{
    /// <summary>LF.</summary>
    Lf,

    /// <summary>CRLF.</summary>
    CrLf,

    /// <summary>A lone CR.</summary>
    Cr,
}
