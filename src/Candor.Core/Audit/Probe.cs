namespace Candor.Core.Audit;

/// <summary>One canary request, shaped like client traffic. Its <see cref="MaxTokens"/> is drawn as traffic's limits are
/// (<see cref="TrafficLimits"/>); wherever the reference's answer runs to it, the channel's must too (<see cref="CapCheck"/>).</summary>
/// <param name="Name">The kind of prompt (for tests and counts; never sent).</param>
/// <param name="Prompt">The user message.</param>
/// <param name="MaxTokens">The max-tokens limit, or null to send none.</param>
internal sealed record Probe(string Name, string Prompt, int? MaxTokens)
{
    /// <summary>A system message, or null.</summary>
    public string? System { get; init; }

    /// <summary>The sampling temperature; null sends the auditor's configured <c>audit.temperature</c>.</summary>
    public double? Temperature { get; init; }

    /// <summary>top_p, or null to send none.</summary>
    public double? TopP { get; init; }

    /// <summary>Whether the probe asks for a stream, as most chat clients do.</summary>
    public bool Stream { get; init; }

    /// <summary>A function tool offered with the prompt (name, description, JSON schema of its arguments), or null.</summary>
    public ProbeTool? Tool { get; init; }

    /// <summary>True for a long-answer prompt (an essay, a full guide), whose honest answer often runs to a traffic-sized
    /// limit: the cap check's usual material (for tests and counts; never sent).</summary>
    public bool IsCap { get; init; }

    /// <summary>True when the prompt comes from the private bank (<see cref="PrivateProbeBank"/>), false when from the
    /// public grammar (for tests and counts; never sent).</summary>
    public bool IsPrivate { get; init; }
}

/// <summary>A function tool a probe offers, as a client application would.</summary>
/// <param name="Name">The function's name.</param>
/// <param name="Description">Its description.</param>
/// <param name="Schema">The JSON schema of its arguments.</param>
internal sealed record ProbeTool(string Name, string Description, string Schema);
