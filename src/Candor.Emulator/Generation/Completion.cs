namespace Candor.Emulator.Generation;

/// <summary>Why a choice ended, independent of any vendor's spelling.</summary>
internal enum FinishKind
{
    Stop,
    Length,
    StopSequence,
    ToolUse,
}

/// <summary>A generated tool call; <see cref="ArgumentsJson"/> validates against the tool's schema.</summary>
internal sealed record GeneratedToolCall(string Name, string ArgumentsJson, string IdSuffix);

/// <summary>One generated choice (candidate).</summary>
internal sealed class GeneratedChoice
{
    public int Index { get; init; }
    public List<string> ThinkingTokens { get; } = [];
    public List<string> TextTokens { get; } = [];
    public List<GeneratedToolCall> ToolCalls { get; } = [];
    public FinishKind Finish { get; set; }
    public string? MatchedStop { get; set; }
    public int ToolTokens { get; set; }

    public string Text => string.Concat(TextTokens);
    public string ThinkingText => string.Concat(ThinkingTokens);

    /// <summary>Thinking + answer + tool-call tokens.</summary>
    public int CompletionTokens => ThinkingTokens.Count + TextTokens.Count + ToolTokens;
}

/// <summary>The generated answer to one request, with its token accounting.</summary>
internal sealed class Completion
{
    public required string ReportedModel { get; init; }

    /// <summary>The model whose distribution generated the answer (differs from the reported one in dishonest modes).</summary>
    public string ServedModel { get; init; } = string.Empty;
    public required List<GeneratedChoice> Choices { get; init; }
    public int PromptTokens { get; init; }
    public int CachedTokens { get; init; }
    public int InflatePercent { get; init; }

    public int ActualCompletionTokens => Choices.Sum(c => c.CompletionTokens);
    public int ReasoningTokens => Choices.Sum(c => c.ThinkingTokens.Count);

    /// <summary>The completion tokens the emulator reports: the actual count, inflated when the spec says so.</summary>
    public int CompletionTokens => Inflate(ActualCompletionTokens);

    public int TotalTokens => PromptTokens + CompletionTokens;

    public int Inflate(int actual) =>
        InflatePercent <= 0 ? actual : (int)(((long)actual * (100 + InflatePercent) + 99) / 100);
}
