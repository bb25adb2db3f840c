using System.Text.Json.Nodes;
using Candor.Protocols.Canonical;
using Candor.Protocols.OpenAI;
using Candor.Providers.OpenAI;

namespace Candor.Providers.Qwen;

/// <summary>Alibaba Cloud Model Studio (DashScope) in OpenAI-compatible mode; see README.md for the
/// quirks handled.</summary>
internal sealed class QwenAdapter : OpenAICompatibleAdapter
{
    /// <inheritdoc/>
    public override string Name => "qwen";

    /// <inheritdoc/>
    protected override int? MaxChoices => 4;

    /// <inheritdoc/>
    protected override bool AcceptsAudio => true;

    /// <inheritdoc/>
    protected override OpenAIRequestOptions CreateOptions(string upstreamModel, ChatRequest request) => new()
    {
        UseMaxCompletionTokens = false,
        DeveloperRoleSupported = false,
        TopKSupported = true,
        ToolChoiceRequiredSupported = false,
        JsonSchemaSupported = false,
        MetadataSupported = false,
        ReasoningEffortSupported = false,
        ExtraFields = ThinkingFields(upstreamModel, request),
    };

    /// <summary>DashScope's thinking switch. Hybrid models (Qwen3, qwen-plus, qwen-flash…) think only in
    /// streamed calls and fail a non-streamed call with thinking on, and the open-source Qwen3 models
    /// think by default; so non-streamed calls always send <c>enable_thinking:false</c>. Streamed calls
    /// turn thinking on or off only when the client asked (a thinking budget or reasoning effort).
    /// Thinking-only models (QwQ, *-thinking-*) take no switch.</summary>
    internal static JsonObject? ThinkingFields(string model, ChatRequest request)
    {
        if (model.StartsWith("qwq", StringComparison.OrdinalIgnoreCase) || model.Contains("thinking", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        if (!request.Stream)
        {
            return new JsonObject { ["enable_thinking"] = false };
        }

        if (request.ThinkingBudget is { } budget)
        {
            return budget <= 0
                ? new JsonObject { ["enable_thinking"] = false }
                : new JsonObject { ["enable_thinking"] = true, ["thinking_budget"] = budget };
        }

        if (request.ReasoningEffort is { } effort)
        {
            return new JsonObject { ["enable_thinking"] = effort is not ("none" or "minimal") };
        }

        return null;
    }
}
