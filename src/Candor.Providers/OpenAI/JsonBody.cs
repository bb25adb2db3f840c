using System.Buffers;
using System.Net.Http.Headers;
using System.Text.Json;
using Candor.Protocols.OpenAI;

namespace Candor.Providers.OpenAI;

/// <summary>Builds JSON request bodies with a per-thread reusable buffer and writer, so the only
/// allocation per request is the body's own byte array.</summary>
internal static class JsonBody
{
    private const int KeepBufferBytes = 1024 * 1024;

    [ThreadStatic]
    private static ArrayBufferWriter<byte>? t_buffer;

    [ThreadStatic]
    private static Utf8JsonWriter? t_writer;

    private static readonly MediaTypeHeaderValue JsonType = new("application/json");

    /// <summary>Runs <paramref name="write"/> against a pooled writer and wraps the result as content
    /// with <c>Content-Type: application/json</c>.</summary>
    public static ByteArrayContent Create<TState>(TState state, Action<TState, Utf8JsonWriter> write)
    {
        var buffer = t_buffer ??= new ArrayBufferWriter<byte>(16 * 1024);
        var writer = t_writer ??= new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
        try
        {
            writer.Reset(buffer);
            write(state, writer);
            writer.Flush();
            var content = new ByteArrayContent(buffer.WrittenSpan.ToArray());
            content.Headers.ContentType = JsonType;
            return content;
        }
        finally
        {
            writer.Reset();
            if (buffer.Capacity > KeepBufferBytes)
            {
                // A huge request (inline images) should not pin its buffer to the thread for ever.
                t_buffer = null;
                t_writer = null;
            }
            else
            {
                buffer.ResetWrittenCount();
            }
        }
    }

    /// <summary>Writes an OpenAI chat body.</summary>
    public static ByteArrayContent Chat(Protocols.Canonical.ChatRequest request, string upstreamModel, OpenAIRequestOptions options) =>
        Create((request, upstreamModel, options), static (s, w) => OpenAIChatRequestEncoder.Write(s.request, s.upstreamModel, s.options, w));
}
