using Candor.Protocols.Canonical;
using Candor.Protocols.OpenAI;
using Candor.Providers.OpenAI;

namespace Candor.Providers.Ollama;

/// <summary>Ollama's OpenAI-compatible endpoint (<c>http://host:11434/v1</c>). No credential is needed;
/// a configured key is sent as a bearer token (for Ollama behind an authenticating proxy).</summary>
internal sealed class OllamaAdapter : OpenAICompatibleAdapter
{
    private static readonly OpenAIRequestOptions Options = new()
    {
        UseMaxCompletionTokens = false,
        DeveloperRoleSupported = false,
        LogprobsSupported = false,
        MetadataSupported = false,
    };

    /// <inheritdoc/>
    public override string Name => "ollama";

    /// <inheritdoc/>
    protected override int? MaxChoices => 1;

    /// <summary>Ollama's OpenAI-compatible endpoint serves <c>/v1/completions</c> for every model.</summary>
    protected override bool ServesCompletionsByDefault(string upstreamModel) => true;

    /// <inheritdoc/>
    public override bool SupportsRawForwarding(ChatRequest request) =>
        UsageArrivesUnchanged(request)
        && request.Logprobs != true
        && !request.Messages.Exists(static m => m.Role == ChatRole.Developer);

    /// <inheritdoc/>
    protected override OpenAIRequestOptions CreateOptions(string upstreamModel, ChatRequest request) => Options;
}
