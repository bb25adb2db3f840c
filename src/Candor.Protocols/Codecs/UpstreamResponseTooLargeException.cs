namespace Candor.Protocols.Codecs;

/// <summary>An upstream answer exceeds Candor's limit (<c>server.max_upstream_response_bytes</c>): a whole body past the
/// bounded read, or one event of a stream past <see cref="Sse.SseParser"/>'s limit. An <see cref="IOException"/>, so every
/// read-failure filter still catches it; the relay's classifier tells it apart: the client's request asked for too much,
/// no deployment failed.</summary>
public sealed class UpstreamResponseTooLargeException : IOException
{
    public UpstreamResponseTooLargeException(long limit)
        : base($"The upstream answer exceeds {limit} bytes.") => Limit = limit;

    public UpstreamResponseTooLargeException()
    {
    }

    public UpstreamResponseTooLargeException(string message)
        : base(message)
    {
    }

    public UpstreamResponseTooLargeException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>The limit, in bytes.</summary>
    public long Limit { get; }
}
