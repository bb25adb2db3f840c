namespace Candor.Core.Relay;

/// <summary>An upstream answer exceeds the bounded read's limit (<c>server.max_upstream_response_bytes</c>). An
/// <see cref="IOException"/>, so every read-failure filter still catches it; <see cref="UpstreamCall.Classify"/> tells it
/// apart: the client's request asked for too much, no deployment failed.</summary>
internal sealed class UpstreamResponseTooLargeException : IOException
{
    public UpstreamResponseTooLargeException(long limit)
        : base($"The body exceeds {limit} bytes.") => Limit = limit;

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
