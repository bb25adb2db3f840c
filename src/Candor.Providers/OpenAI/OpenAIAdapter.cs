using Candor.Protocols.Canonical;

namespace Candor.Providers.OpenAI;

/// <summary>OpenAI itself: <c>{BaseUrl}/chat/completions</c> and <c>/embeddings</c> with a bearer key.</summary>
internal class OpenAIAdapter : OpenAICompatibleAdapter
{
    /// <inheritdoc/>
    public override string Name => "openai";

    /// <inheritdoc/>
    protected override int? MaxChoices => 128;

    /// <inheritdoc/>
    protected override int? MaxStopSequences => 4;

    /// <inheritdoc/>
    protected override bool AcceptsFiles => true;

    /// <inheritdoc/>
    protected override bool AcceptsAudio => true;

    /// <inheritdoc/>
    protected override bool HasMedia(MediaKind kind) => true;

    /// <inheritdoc/>
    public override bool SupportsRawForwarding(ChatRequest request) => UsageArrivesUnchanged(request);
}
