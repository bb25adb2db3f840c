namespace Candor.Emulator.Http;

/// <summary>How a stream is framed on the wire.</summary>
internal enum StreamStyle
{
    /// <summary>Server-sent events: <c>event: …\ndata: …\n\n</c>.</summary>
    Sse,

    /// <summary>Server-sent events framed with CRLF, as Gemini's own <c>alt=sse</c> stream is (the <c>crlf</c> fault key
    /// asks for it): <c>data: …\r\n\r\n</c>.</summary>
    SseCrLf,

    /// <summary>A JSON array whose elements arrive one by one (Gemini's streamGenerateContent without alt=sse).</summary>
    JsonArray,
}
