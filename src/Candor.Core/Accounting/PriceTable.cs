using System.Collections.Frozen;

namespace Candor.Core.Accounting;

/// <summary>Prices per public model, with optional per-channel overrides and multipliers per account group.
/// Immutable; <see cref="Overlay"/> makes the table an operator file produces on top of the shipped one.</summary>
internal sealed class PriceTable
{
    private readonly FrozenDictionary<string, ModelPriceEntry> _models;
    private readonly FrozenDictionary<string, string> _aliases;
    private readonly FrozenDictionary<string, PriceMultiplier> _groups;

    /// <summary>Creates a table. Aliases of later entries win over those of earlier ones.</summary>
    public PriceTable(IEnumerable<ModelPriceEntry> models, IReadOnlyDictionary<string, PriceMultiplier>? groups = null)
    {
        var byName = new Dictionary<string, ModelPriceEntry>(StringComparer.Ordinal);
        foreach (var entry in models)
        {
            byName[entry.Model] = entry;
        }

        var aliases = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var entry in byName.Values)
        {
            foreach (string alias in entry.Aliases)
            {
                aliases[alias] = entry.Model;
            }
        }

        _models = byName.ToFrozenDictionary(StringComparer.Ordinal);
        _aliases = aliases.ToFrozenDictionary(StringComparer.Ordinal);
        _groups = (groups ?? new Dictionary<string, PriceMultiplier>()).ToFrozenDictionary(StringComparer.Ordinal);
    }

    /// <summary>A table with no prices.</summary>
    public static PriceTable Empty { get; } = new([]);

    /// <summary>Every entry, by public model name.</summary>
    public IReadOnlyDictionary<string, ModelPriceEntry> Models => _models;

    /// <summary>Every group multiplier, by group name.</summary>
    public IReadOnlyDictionary<string, PriceMultiplier> Groups => _groups;

    /// <summary>Finds the price of <paramref name="model"/> on <paramref name="channel"/>. The name is tried
    /// as given, then as an alias, then without a trailing date snapshot suffix ("-2024-08-06",
    /// "-20250514"), so dated names the upstream reports find their family's price. A channel override
    /// wins over the model's own price.</summary>
    /// <returns>Whether a price was found.</returns>
    public bool TryFind(string model, string? channel, out ModelPrice price)
    {
        if (Resolve(model) is { } entry)
        {
            price = channel is not null && entry.Channels.TryGetValue(channel, out var over) ? over : entry.Price;
            return true;
        }

        price = null!;
        return false;
    }

    /// <summary>The price of <paramref name="model"/> on <paramref name="channel"/>, or null when the table has none.</summary>
    public ModelPrice? Find(string model, string? channel = null) => TryFind(model, channel, out var price) ? price : null;

    /// <summary>The multiplier of an account group; a group the table does not name (or none) pays 1×.</summary>
    public PriceMultiplier MultiplierFor(string? group) =>
        group is not null && _groups.TryGetValue(group, out var m) ? m : PriceMultiplier.One;

    /// <summary>A table with <paramref name="later"/>'s entries on top of this one's: a model entry in the later
    /// table replaces the earlier entry whole (channel overrides and aliases included), and a group's
    /// later multiplier replaces the earlier one.</summary>
    public PriceTable Overlay(PriceTable later)
    {
        var models = new Dictionary<string, ModelPriceEntry>(_models, StringComparer.Ordinal);
        foreach (var (name, entry) in later._models)
        {
            models[name] = entry;
        }

        var groups = new Dictionary<string, PriceMultiplier>(_groups, StringComparer.Ordinal);
        foreach (var (name, m) in later._groups)
        {
            groups[name] = m;
        }

        // Entries keep their order: earlier table first, so the later table's aliases win on collision.
        var ordered = _models.Keys.Where(k => !later._models.ContainsKey(k)).Select(k => models[k]).Concat(later._models.Values);
        return new PriceTable(ordered, groups);
    }

    private ModelPriceEntry? Resolve(string model)
    {
        for (string? name = model; name is not null; name = StripDateSuffix(name))
        {
            if (_models.TryGetValue(name, out var entry))
            {
                return entry;
            }

            if (_aliases.TryGetValue(name, out string? target) && _models.TryGetValue(target, out entry))
            {
                return entry;
            }
        }

        return null;
    }

    /// <summary>Removes one trailing "-YYYY-MM-DD" or "-YYYYMMDD"; null when there is none.</summary>
    internal static string? StripDateSuffix(string name)
    {
        if (name.Length > 11 && name[^11] == '-' && name[^6] == '-' && name[^3] == '-'
            && AllDigits(name.AsSpan(name.Length - 10, 4)) && AllDigits(name.AsSpan(name.Length - 5, 2)) && AllDigits(name.AsSpan(name.Length - 2, 2)))
        {
            return name[..^11];
        }

        if (name.Length > 9 && name[^9] == '-' && AllDigits(name.AsSpan(name.Length - 8)))
        {
            return name[..^9];
        }

        return null;
    }

    private static bool AllDigits(ReadOnlySpan<char> s)
    {
        foreach (char c in s)
        {
            if (c is < '0' or > '9')
            {
                return false;
            }
        }

        return true;
    }
}
