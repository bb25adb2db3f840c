using Candor.Protocols.Canonical;
using Candor.Protocols.OpenAI;
using Candor.Providers.OpenAI;

namespace Candor.Providers.Vllm;

/// <summary>A vLLM OpenAI-compatible server (<c>vllm serve</c>, base URL ending in /v1). The key is
/// optional (<c>--api-key</c>); top_k is passed through as vLLM's sampling extension.</summary>
internal sealed class VllmAdapter : OpenAICompatibleAdapter
{
    private static readonly OpenAIRequestOptions Options = new()
    {
        UseMaxCompletionTokens = false,
        TopKSupported = true,
        MetadataSupported = false,
    };

    /// <inheritdoc/>
    public override string Name => "vllm";

    /// <inheritdoc/>
    protected override bool AcceptsAudio => true;

    /// <inheritdoc/>
    protected override bool HasMedia(MediaKind kind) => true;

    /// <summary>vLLM serves <c>/v1/completions</c> for every model it serves.</summary>
    protected override bool ServesCompletionsByDefault(string upstreamModel) => true;

    /// <inheritdoc/>
    public override bool SupportsRawForwarding(ChatRequest request) => UsageArrivesUnchanged(request);

    /// <inheritdoc/>
    protected override OpenAIRequestOptions CreateOptions(string upstreamModel, ChatRequest request) => Options;
}
