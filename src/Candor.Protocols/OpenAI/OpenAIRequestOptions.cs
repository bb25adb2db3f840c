using System.Text.Json.Nodes;

namespace Candor.Protocols.OpenAI;

/// <summary>What an OpenAI-compatible upstream accepts. The defaults describe OpenAI itself; provider
/// adapters turn off what their vendor lacks, and <see cref="OpenAIChatRequestEncoder"/> then leaves the
/// field out or maps it to the nearest thing the vendor has (each flag says which).</summary>
public sealed class OpenAIRequestOptions
{
    /// <summary>The options for OpenAI itself.</summary>
    public static OpenAIRequestOptions OpenAI { get; } = new();

    /// <summary>Write the output limit as <c>max_completion_tokens</c> (OpenAI's current name, required by
    /// reasoning models) instead of the deprecated <c>max_tokens</c> that compatible vendors read.</summary>
    public bool UseMaxCompletionTokens { get; init; } = true;

    /// <summary>The vendor honours <c>stream_options.include_usage</c>; when false it is not sent.</summary>
    public bool StreamUsageSupported { get; init; } = true;

    /// <summary>The vendor knows the <c>developer</c> role; when false developer messages are sent as system.</summary>
    public bool DeveloperRoleSupported { get; init; } = true;

    /// <summary>Highest temperature the vendor accepts; larger values are clamped. Null: no limit beyond OpenAI's.</summary>
    public double? MaxTemperature { get; init; }

    /// <summary>When false, <c>tool_choice: "required"</c> is sent as <c>"auto"</c>.</summary>
    public bool ToolChoiceRequiredSupported { get; init; } = true;

    /// <summary>When false, a named tool choice is sent as <c>"auto"</c> (or "required" when supported) with
    /// only the named tool offered, which forces the same tool by other means.</summary>
    public bool ToolChoiceSpecificSupported { get; init; } = true;

    /// <summary>When false, <c>tool_choice: "none"</c> is sent by offering no tools at all.</summary>
    public bool ToolChoiceNoneSupported { get; init; } = true;

    /// <summary>When false, <c>tool_choice</c> is never written and the vendor's default (auto) applies.</summary>
    public bool ToolChoiceSupported { get; init; } = true;

    /// <summary>When false, <c>parallel_tool_calls</c> is not sent.</summary>
    public bool ParallelToolCallsSupported { get; init; } = true;

    /// <summary>When false, a json_schema response format is sent as json_object (JSON mode without the schema).</summary>
    public bool JsonSchemaSupported { get; init; } = true;

    /// <summary>When false, <c>logprobs</c> and <c>top_logprobs</c> are not sent.</summary>
    public bool LogprobsSupported { get; init; } = true;

    /// <summary>When false, <c>seed</c> is not sent.</summary>
    public bool SeedSupported { get; init; } = true;

    /// <summary>When false, presence and frequency penalties are not sent.</summary>
    public bool PenaltiesSupported { get; init; } = true;

    /// <summary>When false, temperature and top_p are not sent (reasoning models that reject them).</summary>
    public bool SamplingSupported { get; init; } = true;

    /// <summary>When true, <c>top_k</c> is sent (vLLM, DashScope); OpenAI has no such field.</summary>
    public bool TopKSupported { get; init; }

    /// <summary>When false, <c>metadata</c> is not sent.</summary>
    public bool MetadataSupported { get; init; } = true;

    /// <summary>When false, <c>reasoning_effort</c> is not sent.</summary>
    public bool ReasoningEffortSupported { get; init; } = true;

    /// <summary>The field that carries the end-user id (<c>user</c>; Zhipu <c>user_id</c>); null drops it.</summary>
    public string? UserFieldName { get; init; } = "user";

    /// <summary>When true, the thinking text of assistant history is sent back as <c>reasoning_content</c>
    /// (Moonshot's thinking models require it on tool-call turns). OpenAI has no such input, so by default
    /// thinking parts are dropped.</summary>
    public bool WriteReasoningContent { get; init; }

    /// <summary>Whether fields the client sent that Candor does not model are written back (only for requests
    /// decoded from the OpenAI surface).</summary>
    public bool WriteUnmapped { get; init; } = true;

    /// <summary>Vendor fields added at the top level (for example DashScope <c>enable_thinking</c>). They
    /// win over a client's unmapped field of the same name.</summary>
    public JsonObject? ExtraFields { get; init; }
}
