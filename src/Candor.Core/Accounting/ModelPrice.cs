namespace Candor.Core.Accounting;

/// <summary>What one model costs, in micros (millionths of the currency unit) per million tokens, plus a
/// flat fee per request. All figures are resolved: a price file that leaves cached input or cache write
/// out bills them at the input price, and one that leaves reasoning out bills it at the output price,
/// so a missing figure never makes anything cheaper than the list price.</summary>
internal sealed record ModelPrice
{
    /// <summary>The largest accepted figure: 10^12 micros, i.e. 1,000,000 currency units per million tokens
    /// (or per request). It keeps every charge of up to 2^31 tokens far inside the arithmetic's range.</summary>
    public const long MaxMicros = 1_000_000_000_000;

    /// <summary>Uncached prompt tokens, micros per million.</summary>
    public required long InputPerMillion { get; init; }

    /// <summary>Output tokens that are not reasoning, micros per million.</summary>
    public required long OutputPerMillion { get; init; }

    /// <summary>Prompt tokens read from the provider's cache, micros per million.</summary>
    public required long CachedInputPerMillion { get; init; }

    /// <summary>Prompt tokens written to the provider's cache, micros per million.</summary>
    public required long CacheWritePerMillion { get; init; }

    /// <summary>Reasoning (thinking) tokens, micros per million.</summary>
    public required long ReasoningPerMillion { get; init; }

    /// <summary>A flat fee per request, in micros.</summary>
    public long PerRequest { get; init; }

    /// <summary>The figures of a model priced per image, per second of audio, per character or per search unit
    /// (docs/endpoints.md); null for a model priced by the token only.</summary>
    public MediaPrice? Media { get; init; }

    /// <summary>Builds a price, applying the defaults for figures not given (cached input and cache write at
    /// the input price, reasoning at the output price).</summary>
    /// <exception cref="ArgumentOutOfRangeException">A figure is negative or above <see cref="MaxMicros"/>.</exception>
    public static ModelPrice Create(long input, long output, long? cachedInput = null, long? cacheWrite = null, long? reasoning = null, long perRequest = 0)
    {
        var price = new ModelPrice
        {
            InputPerMillion = input,
            OutputPerMillion = output,
            CachedInputPerMillion = cachedInput ?? input,
            CacheWritePerMillion = cacheWrite ?? input,
            ReasoningPerMillion = reasoning ?? output,
            PerRequest = perRequest,
        };
        Check(price.InputPerMillion, nameof(input));
        Check(price.OutputPerMillion, nameof(output));
        Check(price.CachedInputPerMillion, nameof(cachedInput));
        Check(price.CacheWritePerMillion, nameof(cacheWrite));
        Check(price.ReasoningPerMillion, nameof(reasoning));
        Check(price.PerRequest, nameof(perRequest));
        return price;
    }

    private static void Check(long value, string name)
    {
        if (value is < 0 or > MaxMicros)
        {
            throw new ArgumentOutOfRangeException(name, value, $"a price must be between 0 and {MaxMicros} micros");
        }
    }
}
