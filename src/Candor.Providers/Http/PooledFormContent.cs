using System.Net.Http.Headers;
using Candor.Protocols.Buffers;
using Candor.Protocols.Canonical;
using Candor.Protocols.Codecs;
using Candor.Protocols.OpenAI;

namespace Candor.Providers.Http;

/// <summary>A <c>multipart/form-data</c> request body (images/edits, audio/transcriptions) written into a pooled buffer
/// with a fresh random boundary, returned when the content is disposed; its bytes are what the receipt hashes as
/// forwarded (<see cref="Candor.Core.Upstream.IForwardedBody"/>).</summary>
internal sealed class PooledFormContent : PooledContent
{
    private PooledFormContent(PooledBufferWriter buffer, string boundary)
        : base(buffer)
    {
        var type = new MediaTypeHeaderValue("multipart/form-data");
        type.Parameters.Add(new NameValueHeaderValue("boundary", boundary));
        Headers.ContentType = type;
    }

    /// <summary>The client's form with the upstream model and the redacted texts (<see cref="OpenAIMediaCodec.WriteForm"/>).</summary>
    public static PooledFormContent Create(MediaRequest request, string upstreamModel)
    {
        string boundary = Multipart.NewBoundary();
        var buffer = new PooledBufferWriter();
        try
        {
            OpenAIMediaCodec.WriteForm(request, upstreamModel, boundary, buffer);
            return new PooledFormContent(buffer, boundary);
        }
        catch
        {
            buffer.Dispose();
            throw;
        }
    }
}
