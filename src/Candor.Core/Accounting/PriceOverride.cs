namespace Candor.Core.Accounting;

/// <summary>A price stored through the admin API or CLI, laid over the price files. Figures are micros per
/// million tokens (per request for <see cref="PerRequest"/>); null means "not given": a model override then
/// applies <see cref="ModelPrice.Create"/>'s defaults, a channel override inherits the model's figure.</summary>
/// <param name="Model">The public (or upstream) model name it prices.</param>
/// <param name="Channel">The channel it applies to; null for the model's own price.</param>
internal sealed record PriceOverride(string Model, string? Channel)
{
    /// <summary>Uncached prompt tokens; required for a model override.</summary>
    public long? Input { get; init; }

    /// <summary>Output tokens; required for a model override.</summary>
    public long? Output { get; init; }

    /// <summary>Prompt tokens read from the provider's cache.</summary>
    public long? CachedInput { get; init; }

    /// <summary>Prompt tokens written to the provider's cache.</summary>
    public long? CacheWrite { get; init; }

    /// <summary>Reasoning tokens.</summary>
    public long? Reasoning { get; init; }

    /// <summary>The flat fee per request.</summary>
    public long? PerRequest { get; init; }

    /// <summary>When it was last set.</summary>
    public DateTimeOffset UpdatedAt { get; init; }

    /// <summary>Why the override cannot be stored, naming the field (snake_case, as the admin API spells it);
    /// null when it is valid.</summary>
    public (string Field, string Message)? Validate()
    {
        if (string.IsNullOrWhiteSpace(Model) || Model.Length > 200)
        {
            return ("model", "the model name must be 1 to 200 characters");
        }

        if (Channel is not null && (Channel.Length == 0 || Channel.Length > 200))
        {
            return ("channel", "the channel id must be 1 to 200 characters");
        }

        if (Channel is null && Input is null)
        {
            return ("input_per_million_micros", "a model's price needs input_per_million_micros");
        }

        if (Channel is null && Output is null)
        {
            return ("output_per_million_micros", "a model's price needs output_per_million_micros");
        }

        foreach (var (field, value) in Figures())
        {
            if (value is < 0 or > ModelPrice.MaxMicros)
            {
                return (field, $"{field} must be between 0 and {ModelPrice.MaxMicros}");
            }
        }

        return null;
    }

    /// <summary>The figures with the admin API's field names.</summary>
    public IEnumerable<(string Field, long? Value)> Figures()
    {
        yield return ("input_per_million_micros", Input);
        yield return ("output_per_million_micros", Output);
        yield return ("cached_input_per_million_micros", CachedInput);
        yield return ("cache_write_per_million_micros", CacheWrite);
        yield return ("reasoning_per_million_micros", Reasoning);
        yield return ("per_request_micros", PerRequest);
    }

    /// <summary>The resolved price: a model override with the defaults applied, a channel override over
    /// <paramref name="model"/>'s figures.</summary>
    /// <remarks>A stored override sets token figures only; the media figures of the price files stay (docs/endpoints.md).</remarks>
    public ModelPrice Resolve(ModelPrice? model) => Core(model) with { Media = model?.Media };

    private ModelPrice Core(ModelPrice? model) => model is null || Channel is null
        ? ModelPrice.Create(Input ?? model?.InputPerMillion ?? 0, Output ?? model?.OutputPerMillion ?? 0, CachedInput, CacheWrite, Reasoning, PerRequest ?? 0)
        : ModelPrice.Create(
            Input ?? model.InputPerMillion,
            Output ?? model.OutputPerMillion,
            CachedInput ?? model.CachedInputPerMillion,
            CacheWrite ?? model.CacheWritePerMillion,
            Reasoning ?? model.ReasoningPerMillion,
            PerRequest ?? model.PerRequest);
}
