using System.Globalization;
using Candor.Protocols.Canonical;
using Microsoft.AspNetCore.Http;

namespace Candor.Core.Relay;

/// <summary>Writes complete error and JSON responses in a surface's envelope.</summary>
public static class ResponseWriter
{
    public static async Task WriteErrorAsync(HttpContext http, Surface surface, RelayError error)
    {
        if (http.Response.HasStarted || http.RequestAborted.IsCancellationRequested)
        {
            return;
        }

        http.Response.StatusCode = error.StatusCode;
        http.Response.ContentType = "application/json";
        if (error.RetryAfterSeconds is { } ra)
        {
            http.Response.Headers.RetryAfter = ra.ToString(CultureInfo.InvariantCulture);
        }

        surface.WriteError(error, http.Response.BodyWriter);
        await FlushAsync(http).ConfigureAwait(false);
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
