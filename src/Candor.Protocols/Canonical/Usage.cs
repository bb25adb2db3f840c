namespace Candor.Protocols.Canonical;

/// <summary>Token usage. Null means the upstream did not report the figure; zero means it reported zero.
/// InputTokens counts all prompt tokens including cached ones (OpenAI's convention); protocols that report
/// cache reads and writes separately (Anthropic) are normalised on decode and split again on encode.</summary>
public sealed record Usage
{
    /// <summary>All prompt tokens, cached and cache-written included.</summary>
    public int? InputTokens { get; init; }

    public int? OutputTokens { get; init; }

    /// <summary>Prompt tokens read from a cache (part of InputTokens).</summary>
    public int? CachedInputTokens { get; init; }

    /// <summary>Prompt tokens written to a cache (part of InputTokens; Anthropic cache_creation_input_tokens).</summary>
    public int? CacheWriteInputTokens { get; init; }

    /// <summary>Reasoning tokens (part of OutputTokens).</summary>
    public int? ReasoningTokens { get; init; }

    /// <summary>Total as reported, when reported.</summary>
    public int? TotalTokens { get; init; }

    /// <summary>Combines two partial reports (Anthropic sends input at start and output at end);
    /// a figure present in <paramref name="later"/> wins.</summary>
    public static Usage Merge(Usage? earlier, Usage later)
    {
        if (earlier is null)
        {
            return later;
        }

        return new Usage
        {
            InputTokens = later.InputTokens ?? earlier.InputTokens,
            OutputTokens = later.OutputTokens ?? earlier.OutputTokens,
            CachedInputTokens = later.CachedInputTokens ?? earlier.CachedInputTokens,
            CacheWriteInputTokens = later.CacheWriteInputTokens ?? earlier.CacheWriteInputTokens,
            ReasoningTokens = later.ReasoningTokens ?? earlier.ReasoningTokens,
            TotalTokens = later.TotalTokens ?? earlier.TotalTokens,
        };
    }
}
