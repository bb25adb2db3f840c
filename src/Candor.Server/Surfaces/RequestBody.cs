using Candor.Core.Relay;
using Candor.Protocols.Buffers;
using Candor.Protocols.Canonical;

namespace Candor.Server.Surfaces;

/// <summary>Reads a client body into pooled memory, refusing it (413, in the surface's envelope) past the limit.</summary>
internal static class RequestBody
{
    public static async Task<PooledBufferWriter?> ReadAsync(HttpContext http, Surface surface, long limit)
    {
        if (http.Request.ContentLength is { } declared && declared > limit)
        {
            await ResponseWriter.WriteErrorAsync(http, surface, RelayError.TooLarge(limit)).ConfigureAwait(false);
            return null;
        }

        // A declared length sizes the buffer once (the spare byte lets the last read see the end); the body
        // stays alive for the whole request, so a 100-byte prompt must not hold a 16 KB array for a long stream.
        var declaredLength = http.Request.ContentLength;
        var buffer = new PooledBufferWriter((int)Math.Min(declaredLength ?? 4096, limit) + 1);
        int readSize = declaredLength is null ? 8192 : 1;
        try
        {
            while (true)
            {
                var memory = buffer.GetMemory(readSize);
                int n = await http.Request.Body.ReadAsync(memory, http.RequestAborted).ConfigureAwait(false);
                if (n == 0)
                {
                    return buffer;
                }

                buffer.Advance(n);
                if (buffer.WrittenCount > limit)
                {
                    buffer.Dispose();
                    await ResponseWriter.WriteErrorAsync(http, surface, RelayError.TooLarge(limit)).ConfigureAwait(false);
                    return null;
                }
            }
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or BadHttpRequestException)
        {
            buffer.Dispose();
            return null;
        }
    }
}
