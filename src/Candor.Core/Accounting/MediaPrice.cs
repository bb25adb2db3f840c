namespace Candor.Core.Accounting;

/// <summary>The figures of a model that is not priced by the token (docs/endpoints.md, "Metering"), in micros: per image
/// (by quality and size where the price file lists them), per second of audio, per million characters of speech input,
/// per search unit. A figure not given is null: a request of a kind whose figure is missing is refused (403, fail closed),
/// except moderations, which are free unless priced per request.</summary>
internal sealed record MediaPrice
{
    /// <summary>One image, when no variant below matches.</summary>
    public long? PerImage { get; init; }

    /// <summary>One image by variant: keys <c>quality/size</c> (<c>hd/1024x1792</c>), <c>size</c> (<c>1024x1024</c>) or
    /// <c>quality</c> (<c>low</c>), looked up in that order before <see cref="PerImage"/>.</summary>
    public IReadOnlyDictionary<string, long> ImageVariants { get; init; } = new Dictionary<string, long>(StringComparer.Ordinal);

    /// <summary>One second of transcribed audio (billed by the millisecond).</summary>
    public long? PerAudioSecond { get; init; }

    /// <summary>One million characters of speech input.</summary>
    public long? PerMillionCharacters { get; init; }

    /// <summary>One rerank search unit (a query with up to 100 documents, as Cohere counts it).</summary>
    public long? PerSearchUnit { get; init; }

    /// <summary>The price of one image of <paramref name="quality"/> and <paramref name="size"/>: the most specific variant
    /// listed, else <see cref="PerImage"/>; null when neither is given.</summary>
    public long? Image(string? quality, string? size)
    {
        if (quality is not null && size is not null && ImageVariants.TryGetValue(quality + "/" + size, out long both))
        {
            return both;
        }

        if (size is not null && ImageVariants.TryGetValue(size, out long bySize))
        {
            return bySize;
        }

        return quality is not null && ImageVariants.TryGetValue(quality, out long byQuality) ? byQuality : PerImage;
    }
}
