namespace Candor.Emulator.Http;

/// <summary>One streamed event: an optional SSE event name and its JSON data (one line, no newlines).</summary>
internal readonly record struct Frame(string? Event, byte[] Data);
