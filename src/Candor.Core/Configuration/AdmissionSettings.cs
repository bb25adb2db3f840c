namespace Candor.Core.Configuration;

/// <summary>How much work one node takes on before it sheds (<c>server.*</c>; docs/admission-control.md). Every
/// bound is checked before the request body is read, except the stream bound, which needs the decoded request.</summary>
internal sealed record AdmissionSettings
{
    /// <summary>Relayed requests this node serves at once (<c>server.max_in_flight_requests</c>); the next one gets
    /// 503 + Retry-After in its surface's envelope. Counted from authentication to the end of the response.</summary>
    public int MaxInFlightRequests { get; init; } = 256;

    /// <summary>Streamed responses open at once (<c>server.max_open_streams</c>); a stream beyond it gets 503.</summary>
    public int MaxOpenStreams { get; init; } = 128;

    /// <summary>Bytes of request bodies held in memory at once, across all requests
    /// (<c>server.max_buffered_request_bytes</c>); a body that would pass it gets 503 + Retry-After.</summary>
    public long MaxBufferedRequestBytes { get; init; } = 256L * 1024 * 1024;

    /// <summary>The longest a request body may take to arrive, from the first read (<c>server.request_body_timeout</c>);
    /// a body still incomplete then gets 408.</summary>
    public TimeSpan RequestBodyTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Open client connections Kestrel accepts (<c>server.max_connections</c>); the next is closed at once.</summary>
    public long MaxConnections { get; init; } = 4096;

    /// <summary>What an overloaded node asks the client to wait before retrying, in seconds.</summary>
    public const int RetryAfterSeconds = 1;
}
