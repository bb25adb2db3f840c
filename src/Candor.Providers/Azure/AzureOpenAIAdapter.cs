using Candor.Core.Configuration;
using Candor.Protocols.Canonical;
using Candor.Providers.OpenAI;

namespace Candor.Providers.Azure;

/// <summary>Azure OpenAI: deployment-scoped URLs with an <c>api-version</c> query and an <c>api-key</c>
/// header. The model field is still written (Azure ignores it; the deployment in the path decides).</summary>
internal sealed class AzureOpenAIAdapter : OpenAICompatibleAdapter
{
    /// <summary>The api-version used when the channel sets none: the current GA data-plane version.</summary>
    public const string DefaultApiVersion = "2024-10-21";

    /// <inheritdoc/>
    public override string Name => "azure";

    /// <inheritdoc/>
    protected override int? MaxChoices => 128;

    /// <inheritdoc/>
    protected override int? MaxStopSequences => 4;

    /// <inheritdoc/>
    protected override bool AcceptsFiles => true;

    /// <inheritdoc/>
    protected override bool AcceptsAudio => true;

    /// <inheritdoc/>
    public override bool SupportsRawForwarding(ChatRequest request) => UsageArrivesUnchanged(request);

    /// <inheritdoc/>
    protected override Uri ChatUri(ChannelSettings channel, string upstreamModel) => Deployment(channel, upstreamModel, "chat/completions");

    /// <inheritdoc/>
    protected override Uri CompletionsUri(ChannelSettings channel, string upstreamModel) => Deployment(channel, upstreamModel, "completions");

    /// <inheritdoc/>
    protected override Uri EmbeddingsUri(ChannelSettings channel, string upstreamModel) => Deployment(channel, upstreamModel, "embeddings");

    /// <inheritdoc/>
    protected override void Authenticate(HttpRequestMessage message, ChannelSettings channel)
    {
        if (!string.IsNullOrEmpty(channel.ApiKey))
        {
            message.Headers.TryAddWithoutValidation("api-key", channel.ApiKey);
        }
    }

    private static Uri Deployment(ChannelSettings channel, string deployment, string operation)
    {
        string version = Uri.EscapeDataString(channel.ApiVersion ?? DefaultApiVersion);
        return Under(channel.BaseUrl, $"openai/deployments/{Uri.EscapeDataString(deployment)}/{operation}?api-version={version}");
    }
}
