using System.Globalization;
using Candor.Protocols.Canonical;
using Microsoft.AspNetCore.Http;

namespace Candor.Core.Relay;

/// <summary>Writes complete error and JSON responses in a surface's envelope.</summary>
public static class ResponseWriter
{
    public static async Task WriteErrorAsync(HttpContext http, Surface surface, RelayError error)
    {
        if (WriteError(http, surface, error, http.Response.BodyWriter))
        {
            await FlushAsync(http).ConfigureAwait(false);
        }
    }

    /// <summary>Sets the error's status and headers and writes its envelope to <paramref name="output"/> without
    /// flushing; false (nothing written) when the response has begun or the client left.</summary>
    public static bool WriteError(HttpContext http, Surface surface, RelayError error, System.Buffers.IBufferWriter<byte> output)
    {
        if (http.Response.HasStarted || http.RequestAborted.IsCancellationRequested)
        {
            return false;
        }

        http.Response.StatusCode = error.StatusCode;
        http.Response.ContentType = "application/json";
        if (error.RetryAfterSeconds is { } ra)
        {
            http.Response.Headers.RetryAfter = ra.ToString(CultureInfo.InvariantCulture);
        }

        surface.WriteError(error, output);
        return true;
    }

    public static async Task FlushAsync(HttpContext http)
    {
        try
        {
            await http.Response.BodyWriter.FlushAsync(http.RequestAborted).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // The client went away; nothing left to tell it.
        }
    }
}
