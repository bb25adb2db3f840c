using Candor.Protocols.Canonical;
using Candor.Protocols.OpenAI;
using Candor.Providers.OpenAI;

namespace Candor.Providers.DeepSeek;

/// <summary>DeepSeek (api.deepseek.com): OpenAI-compatible with <c>reasoning_content</c>; see README.md
/// for the quirks handled.</summary>
internal sealed class DeepSeekAdapter : OpenAICompatibleAdapter
{
    private static readonly OpenAIRequestOptions Chat = new()
    {
        UseMaxCompletionTokens = false,
        DeveloperRoleSupported = false,
        JsonSchemaSupported = false,
        ParallelToolCallsSupported = false,
        SeedSupported = false,
        MetadataSupported = false,
        ReasoningEffortSupported = false,
        UserFieldName = null,
    };

    // deepseek-reasoner answers logprobs/top_logprobs with an error (temperature, top_p and the penalties
    // are accepted and ignored, so they may stay).
    private static readonly OpenAIRequestOptions Reasoner = new()
    {
        UseMaxCompletionTokens = false,
        DeveloperRoleSupported = false,
        JsonSchemaSupported = false,
        ParallelToolCallsSupported = false,
        SeedSupported = false,
        MetadataSupported = false,
        ReasoningEffortSupported = false,
        UserFieldName = null,
        LogprobsSupported = false,
    };

    /// <inheritdoc/>
    public override string Name => "deepseek";

    /// <inheritdoc/>
    protected override int? MaxChoices => 1;

    /// <inheritdoc/>
    protected override int? MaxStopSequences => 16;

    /// <inheritdoc/>
    protected override bool AcceptsImages => false;

    /// <inheritdoc/>
    protected override bool HasEmbeddings => false;

    /// <inheritdoc/>
    protected override OpenAIRequestOptions CreateOptions(string upstreamModel, ChatRequest request) =>
        IsReasoner(upstreamModel) ? Reasoner : Chat;

    internal static bool IsReasoner(string model) => model.Contains("reasoner", StringComparison.OrdinalIgnoreCase);
}
