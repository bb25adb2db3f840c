using System.Buffers;
using System.Net.Http.Headers;
using System.Text.Encodings.Web;
using System.Text.Json;
using Candor.Protocols.Buffers;

namespace Candor.Providers.Http;

/// <summary>A JSON request body written into an array rented from the shared pool, returned when the
/// content is disposed (disposing the request message disposes its content). Every adapter builds its
/// upstream bodies through here, so a request costs no body allocation beyond the pool.</summary>
internal sealed class PooledJsonContent : PooledContent
{
    /// <summary>Relaxed escaping writes characters as the vendors do (no <c>\u002B</c> for <c>+</c>), so
    /// opaque values such as thinking signatures reach the upstream byte for byte.</summary>
    public static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private static readonly MediaTypeHeaderValue JsonType = new("application/json");

    private PooledJsonContent(PooledBufferWriter buffer)
        : base(buffer) => Headers.ContentType = JsonType;

    /// <summary>Writes a body with <paramref name="write"/> and wraps it.</summary>
    public static PooledJsonContent Create<TState>(TState state, Action<TState, Utf8JsonWriter> write)
    {
        var buffer = new PooledBufferWriter();
        try
        {
            using (var writer = new Utf8JsonWriter((IBufferWriter<byte>)buffer, WriterOptions))
            {
                write(state, writer);
            }

            return new PooledJsonContent(buffer);
        }
        catch
        {
            buffer.Dispose();
            throw;
        }
    }
}
