using System.IO.Pipelines;

namespace Candor.Core.Relay;

/// <summary>The HTTP exchange as the relay sees it: the response it writes (status, headers, body) and the little it
/// reads from the request. The server implements it over its HTTP stack; tests implement it in memory. Core never sees
/// the HTTP stack itself, so the relay runs without a server.</summary>
/// <remarks>The port does no buffering of its own: <see cref="Body"/> is the response's writer, and headers set after
/// <see cref="HasStarted"/> are ignored by the caller's contract (the relay sets them only before its first flush).</remarks>
internal abstract class ResponsePort
{
    /// <summary>The response status code.</summary>
    public abstract int StatusCode { get; set; }

    /// <summary>Whether the status and headers have gone to the client (the first flush happened).</summary>
    public abstract bool HasStarted { get; }

    /// <summary>The response body's writer; a flush sends what was written.</summary>
    public abstract PipeWriter Body { get; }

    /// <summary>Cancelled when the client goes away.</summary>
    public abstract CancellationToken Aborted { get; }

    /// <summary>Sets (replaces) a response header.</summary>
    public abstract void SetHeader(string name, string value);

    /// <summary>Removes a response header set earlier.</summary>
    public abstract void RemoveHeader(string name);

    /// <summary>Declares the length of a body written whole (before any of it), so that it goes out with a
    /// <c>Content-Length</c> instead of chunked framing. Does nothing by default.</summary>
    public virtual void SetContentLength(long length)
    {
    }

    /// <summary>A request header's value (several values joined by commas); null when absent or empty.</summary>
    public abstract string? RequestHeader(string name);

    /// <summary>Ends the exchange abruptly (the connection reset or the stream cancelled), so that a body broken after the
    /// commit cannot look complete: binary answers have no error event (docs/endpoints.md). Does nothing by default.</summary>
    public virtual void AbortExchange()
    {
    }
}
