using Candor.Core.Receipts;
using Candor.Core.Relay;
using Candor.Core.Routing;
using Candor.Protocols.Canonical;

namespace Candor.Server.Surfaces;

/// <summary>The embeddings request as every surface serves it (OpenAI <c>/v1/embeddings</c>, Gemini <c>:embedContent</c>
/// and <c>:batchEmbedContents</c>): accepted with the surface's decoder, the stored key's model list checked, then relayed
/// by <see cref="AuxiliaryRelay.EmbeddingsAsync"/> and answered by the surface's own writer.</summary>
internal static class EmbeddingsEndpoint
{
    public static async Task HandleAsync(
        RelayContext context, Surface surface, SnapshotHolder snapshots, AuxiliaryRelay relay, BodyDecoder<EmbeddingRequest> decode,
        Action<EmbeddingRequest, EmbeddingResponse, System.Buffers.IBufferWriter<byte>> write)
    {
        using var accepted = await SurfaceRequest.AcceptAsync(context, ReceiptKind.Embeddings, surface, snapshots, decode).ConfigureAwait(false);
        if (accepted is null)
        {
            return;
        }

        var request = accepted.Value;

        // A stored key's allowed models are checked by admission (AdmissionPipeline's billing step), as for chat.
        await relay.EmbeddingsAsync(context, surface, request, (response, output) => write(request, response, output), accepted.Body.Memory).ConfigureAwait(false);
    }
}
