namespace Candor.Protocols.Sse;

/// <summary>A server-sent event's data exceeds the parser's limit. An <see cref="IOException"/>, so every read-failure
/// filter still catches it; the relay tells it apart as an answer too large (the client's request asked for too much),
/// not a malformed stream or a lost connection.</summary>
public sealed class SseEventTooLargeException : IOException
{
    public SseEventTooLargeException(int limit)
        : base($"A server-sent event exceeds {limit} bytes.") => Limit = limit;

    public SseEventTooLargeException()
    {
    }

    public SseEventTooLargeException(string message)
        : base(message)
    {
    }

    public SseEventTooLargeException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>The limit, in bytes.</summary>
    public int Limit { get; }
}
