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

    /// <summary>OpenAI serves <c>/v1/completions</c> only for its completions models (gpt-3.5-turbo-instruct, davinci-002,
    /// babbage-002); a chat model there answers 404, so every other model is translated to chat.</summary>
    protected override bool ServesCompletionsByDefault(string upstreamModel) => IsCompletionsModel(upstreamModel);

    /// <summary>OpenAI's legacy completions models (and their dated snapshots).</summary>
    internal static bool IsCompletionsModel(string model) =>
        model.StartsWith("gpt-3.5-turbo-instruct", StringComparison.OrdinalIgnoreCase)
        || model.StartsWith("davinci-002", StringComparison.OrdinalIgnoreCase)
        || model.StartsWith("babbage-002", StringComparison.OrdinalIgnoreCase);

    /// <inheritdoc/>
    public override bool SupportsRawForwarding(ChatRequest request) => UsageArrivesUnchanged(request);
}
