using Candor.Core.Accounting;
using Candor.Protocols.Codecs;

namespace Candor.Server.Admin.Contracts;

/// <summary>One effective price: the model, the channel (omitted for the model's own price), its layer
/// (<c>default</c>, <c>file</c>, <c>override</c>), the six figures in micros and the model's aliases (omitted when none).</summary>
internal sealed record PriceView
{
    public required string Model { get; init; }

    public string? Channel { get; init; }

    public required string Source { get; init; }

    public required long InputPerMillionMicros { get; init; }

    public required long OutputPerMillionMicros { get; init; }

    public required long CachedInputPerMillionMicros { get; init; }

    public required long CacheWritePerMillionMicros { get; init; }

    public required long ReasoningPerMillionMicros { get; init; }

    public required long PerRequestMicros { get; init; }

    public IReadOnlyList<string>? Aliases { get; init; }

    public static PriceView From(PriceListing row) => new()
    {
        Model = row.Model,
        Channel = row.Channel,
        Source = AdminJson.SourceName(row.Source),
        InputPerMillionMicros = row.Price.InputPerMillion,
        OutputPerMillionMicros = row.Price.OutputPerMillion,
        CachedInputPerMillionMicros = row.Price.CachedInputPerMillion,
        CacheWritePerMillionMicros = row.Price.CacheWritePerMillion,
        ReasoningPerMillionMicros = row.Price.ReasoningPerMillion,
        PerRequestMicros = row.Price.PerRequest,
        Aliases = row.Aliases.Count > 0 ? row.Aliases : null,
    };
}

/// <summary>The body of the price PUTs: figures in micro-USD per million tokens, and per request.</summary>
internal sealed record PriceSet(
    long? InputPerMillionMicros = null,
    long? OutputPerMillionMicros = null,
    long? CachedInputPerMillionMicros = null,
    long? CacheWritePerMillionMicros = null,
    long? ReasoningPerMillionMicros = null,
    long? PerRequestMicros = null);

/// <summary>An account group's multiplier: exact parts per million and the same as decimal text.</summary>
internal sealed record GroupMultiplierView(string Group, long MultiplierPpm, string Multiplier, string Source)
{
    public static GroupMultiplierView From(string group, PriceMultiplier multiplier, PriceSource source) =>
        new(group, multiplier.PartsPerMillion, Micros.Format(multiplier.PartsPerMillion), AdminJson.SourceName(source));
}

/// <summary>The body of <c>PUT /prices/groups/{group}</c>: exactly one of <c>multiplier_ppm</c> (an integer) and
/// <c>multiplier</c> (decimal text).</summary>
internal sealed record GroupMultiplierSet(long? MultiplierPpm = null, string? Multiplier = null);
