namespace Candor.Emulator.Replay;

/// <summary>How a vendor frames the events of its stream, for recordings kept one event a line.</summary>
internal enum ReplayFraming
{
    /// <summary>OpenAI chat completions: <c>data: …</c> events and a final <c>data: [DONE]</c>.</summary>
    DoneMarker,

    /// <summary>Anthropic messages and OpenAI's Responses API: <c>event: TYPE</c> then <c>data: …</c>.</summary>
    Named,

    /// <summary>Gemini <c>alt=sse</c>: <c>data: …</c> events ended by CRLF CRLF.</summary>
    CrLf,
}
