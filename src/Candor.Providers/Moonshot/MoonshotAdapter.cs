using Candor.Protocols.Canonical;
using Candor.Protocols.OpenAI;
using Candor.Providers.OpenAI;

namespace Candor.Providers.Moonshot;

/// <summary>Moonshot AI (Kimi): OpenAI-compatible; see README.md for the quirks handled.</summary>
internal sealed class MoonshotAdapter : OpenAICompatibleAdapter
{
    private static readonly OpenAIRequestOptions Options = new()
    {
        WriteReasoningContent = true,
        UseMaxCompletionTokens = false,
        DeveloperRoleSupported = false,
        MaxTemperature = 1.0,
        ToolChoiceRequiredSupported = false,
        ParallelToolCallsSupported = false,
        StreamUsageSupported = false,
        JsonSchemaSupported = false,
        LogprobsSupported = false,
        SeedSupported = false,
        MetadataSupported = false,
        ReasoningEffortSupported = false,
    };

    // kimi-k2.5 and later fix temperature, top_p and the penalties; setting them is an error.
    private static readonly OpenAIRequestOptions FixedSampling = new()
    {
        WriteReasoningContent = true,
        UseMaxCompletionTokens = false,
        DeveloperRoleSupported = false,
        SamplingSupported = false,
        PenaltiesSupported = false,
        ToolChoiceRequiredSupported = false,
        ParallelToolCallsSupported = false,
        StreamUsageSupported = false,
        JsonSchemaSupported = false,
        LogprobsSupported = false,
        SeedSupported = false,
        MetadataSupported = false,
        ReasoningEffortSupported = false,
    };

    /// <inheritdoc/>
    public override string Name => "moonshot";

    /// <inheritdoc/>
    protected override int? MaxChoices => 5;

    /// <inheritdoc/>
    protected override bool HasEmbeddings => false;

    /// <inheritdoc/>
    protected override OpenAIRequestOptions CreateOptions(string upstreamModel, ChatRequest request) =>
        upstreamModel.StartsWith("kimi-k2.", StringComparison.OrdinalIgnoreCase) ? FixedSampling : Options;
}
