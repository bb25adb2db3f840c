using System.Globalization;
using Candor.Protocols.Canonical;

namespace Candor.Core.Relay;

/// <summary>Writes complete error and JSON responses in a surface's envelope.</summary>
internal static class ResponseWriter
{
    public static async Task WriteErrorAsync(ResponsePort port, Surface surface, RelayError error)
    {
        if (WriteError(port, surface, error, port.Body))
        {
            await FlushAsync(port).ConfigureAwait(false);
        }
    }

    /// <summary>Sets the error's status and headers and writes its envelope to <paramref name="output"/> without
    /// flushing; false (nothing written) when the response has begun or the client left.</summary>
    public static bool WriteError(ResponsePort port, Surface surface, RelayError error, System.Buffers.IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(port);
        ArgumentNullException.ThrowIfNull(surface);
        ArgumentNullException.ThrowIfNull(error);
        if (port.HasStarted || port.Aborted.IsCancellationRequested)
        {
            return false;
        }

        error = surface.Localize(error);
        port.StatusCode = error.StatusCode;
        port.SetHeader("content-type", "application/json");
        if (error.RetryAfterSeconds is { } ra)
        {
            port.SetHeader("retry-after", ra.ToString(CultureInfo.InvariantCulture));
        }

        surface.WriteError(error, output);
        return true;
    }

    /// <summary>The relay's error head and envelope: like <see cref="WriteError(ResponsePort, Surface, RelayError, System.Buffers.IBufferWriter{byte})"/>,
    /// with the request's pending headers committed (<see cref="RelayContext.Commit"/>).</summary>
    public static bool WriteError(RelayContext context, Surface surface, RelayError error, System.Buffers.IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(surface);
        ArgumentNullException.ThrowIfNull(error);
        var port = context.Port;
        if (port.HasStarted || port.Aborted.IsCancellationRequested)
        {
            return false;
        }

        error = surface.Localize(error);
        if (error.RetryAfterSeconds is { } ra)
        {
            context.SetHeader("retry-after", ra.ToString(CultureInfo.InvariantCulture));
        }

        context.Commit(error.StatusCode, "application/json");
        surface.WriteError(error, output);
        return true;
    }

    public static async Task FlushAsync(ResponsePort port)
    {
        try
        {
            await port.Body.FlushAsync(port.Aborted).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // The client went away; nothing left to tell it.
        }
    }
}
