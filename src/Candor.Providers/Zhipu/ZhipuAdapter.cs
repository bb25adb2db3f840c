using System.Text.Json.Nodes;
using Candor.Protocols.Canonical;
using Candor.Protocols.OpenAI;
using Candor.Providers.OpenAI;

namespace Candor.Providers.Zhipu;

/// <summary>Zhipu AI (BigModel, GLM) at <c>/api/paas/v4</c>; see README.md for the quirks handled.</summary>
internal sealed class ZhipuAdapter : OpenAICompatibleAdapter
{
    /// <inheritdoc/>
    public override string Name => "zhipu";

    /// <inheritdoc/>
    protected override int? MaxChoices => 1;

    /// <inheritdoc/>
    protected override int? MaxStopSequences => 1;

    /// <inheritdoc/>
    public override RelayError? CheckSupported(ChatRequest request)
    {
        if (request.Logprobs == true)
        {
            return RelayError.BadRequest("The selected model does not return log probabilities.", "logprobs");
        }

        return base.CheckSupported(request);
    }

    /// <inheritdoc/>
    protected override OpenAIRequestOptions CreateOptions(string upstreamModel, ChatRequest request) => new()
    {
        UseMaxCompletionTokens = false,
        DeveloperRoleSupported = false,
        MaxTemperature = 1.0,
        ToolChoiceRequiredSupported = false,
        ToolChoiceSpecificSupported = false,
        ToolChoiceNoneSupported = false,
        ParallelToolCallsSupported = false,
        StreamUsageSupported = false,
        JsonSchemaSupported = false,
        LogprobsSupported = false,
        SeedSupported = false,
        PenaltiesSupported = false,
        MetadataSupported = false,
        ReasoningEffortSupported = false,
        // user_id must be 6 to 128 characters; an id outside that range is dropped rather than refused.
        UserFieldName = request.User is { Length: >= 6 and <= 128 } ? "user_id" : null,
        ExtraFields = ThinkingFields(request),
    };

    /// <summary>GLM-4.5 and later switch deep thinking with <c>thinking:{type:enabled|disabled}</c>.</summary>
    internal static JsonObject? ThinkingFields(ChatRequest request)
    {
        bool? on = request.ThinkingBudget is { } budget ? budget > 0
            : request.ReasoningEffort is { } effort ? effort is not ("none" or "minimal")
            : null;
        return on is { } enabled
            ? new JsonObject { ["thinking"] = new JsonObject { ["type"] = enabled ? "enabled" : "disabled" } }
            : null;
    }
}
