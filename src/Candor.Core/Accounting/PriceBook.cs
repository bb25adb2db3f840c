namespace Candor.Core.Accounting;

/// <summary>The prices in force: the shipped list prices, the operator's price files (<c>server.prices</c>) over
/// them, and the overrides stored through the admin API or CLI over those. <see cref="Current"/> is an immutable
/// <see cref="PriceTable"/> swapped whole on change, so admission reads it without a lock or a database trip;
/// <see cref="ReloadAsync"/> rebuilds it from the store (after a write through the admin API) and
/// <see cref="RefreshAsync"/> does so only when the store's price version moved (a CLI write, another node).</summary>
internal sealed class PriceBook
{
    private readonly PriceTable _files;
    private readonly PriceTable _configured;
    private readonly IPriceStore? _store;
    private readonly SemaphoreSlim _reloading = new(1, 1);
    private State _state;

    /// <summary>Creates the book from its two fixed layers; <paramref name="store"/> (null without a data
    /// directory) holds the third.</summary>
    public PriceBook(PriceTable defaults, PriceTable files, IPriceStore? store)
    {
        ArgumentNullException.ThrowIfNull(defaults);
        ArgumentNullException.ThrowIfNull(files);
        _files = files;
        _configured = defaults.Overlay(files);
        _store = store;
        _state = new State(_configured, StoredPrices.None);
    }

    /// <summary>Loads the shipped prices and the operator files, in order (later wins).</summary>
    /// <exception cref="Configuration.ConfigException">A file is missing or invalid; the message names the place.</exception>
    public static PriceBook Load(IEnumerable<string> operatorFiles, IPriceStore? store)
    {
        var files = PriceTable.Empty;
        foreach (string path in operatorFiles)
        {
            files = files.Overlay(PriceFileLoader.LoadFile(path));
        }

        return new PriceBook(PriceFileLoader.LoadDefault(), files, store);
    }

    /// <summary>The effective table. A request reads it once, at admission, and keeps it until it settles.</summary>
    public PriceTable Current => Volatile.Read(ref _state).Table;

    /// <summary>The stored layer the current table was built with.</summary>
    public StoredPrices Stored => Volatile.Read(ref _state).Stored;

    /// <summary>Rebuilds the table from the store's current overrides.</summary>
    public async Task ReloadAsync(CancellationToken cancellationToken)
    {
        if (_store is null)
        {
            return;
        }

        await _reloading.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var stored = await _store.GetPricesAsync(cancellationToken).ConfigureAwait(false);
            Volatile.Write(ref _state, new State(Build(_configured, stored), stored));
        }
        finally
        {
            _reloading.Release();
        }
    }

    /// <summary>Reloads when the store's price version differs from the one in force; returns whether it did.</summary>
    public async Task<bool> RefreshAsync(CancellationToken cancellationToken)
    {
        if (_store is null)
        {
            return false;
        }

        long version = await _store.GetPricesVersionAsync(cancellationToken).ConfigureAwait(false);
        if (version == Stored.Version)
        {
            return false;
        }

        await ReloadAsync(cancellationToken).ConfigureAwait(false);
        return true;
    }

    /// <summary>Every effective price with its layer: each model's own row, then its channels' rows, by name.</summary>
    public IReadOnlyList<PriceListing> List()
    {
        var state = Volatile.Read(ref _state);
        var overridden = state.Stored.Overrides.Select(static o => (o.Model, o.Channel)).ToHashSet();
        var rows = new List<PriceListing>();
        foreach (var (name, entry) in state.Table.Models.OrderBy(static m => m.Key, StringComparer.Ordinal))
        {
            var layer = _files.Models.ContainsKey(name) ? PriceSource.File : PriceSource.Default;
            rows.Add(new PriceListing(name, null, entry.Price, overridden.Contains((name, null)) ? PriceSource.Override : layer, entry.Aliases));
            foreach (var (channel, price) in entry.Channels.OrderBy(static c => c.Key, StringComparer.Ordinal))
            {
                rows.Add(new PriceListing(name, channel, price, overridden.Contains((name, channel)) ? PriceSource.Override : layer, []));
            }
        }

        return rows;
    }

    /// <summary>Every group multiplier in force with its layer, by group.</summary>
    public IReadOnlyList<(string Group, PriceMultiplier Multiplier, PriceSource Source)> ListGroups()
    {
        var state = Volatile.Read(ref _state);
        return [.. state.Table.Groups.OrderBy(static g => g.Key, StringComparer.Ordinal).Select(g => (g.Key, g.Value,
            state.Stored.Groups.ContainsKey(g.Key) ? PriceSource.Override
            : _files.Groups.ContainsKey(g.Key) ? PriceSource.File
            : PriceSource.Default))];
    }

    /// <summary>The table <paramref name="stored"/> makes over <paramref name="configured"/>. A model override
    /// replaces the model's own price and keeps its channel prices and aliases; a channel override is priced over
    /// the model's (possibly overridden) price, and is ignored while the model has no price at all.</summary>
    public static PriceTable Build(PriceTable configured, StoredPrices stored)
    {
        ArgumentNullException.ThrowIfNull(configured);
        ArgumentNullException.ThrowIfNull(stored);
        if (stored.Overrides.Count == 0 && stored.Groups.Count == 0)
        {
            return configured;
        }

        var models = new Dictionary<string, ModelPriceEntry>(configured.Models, StringComparer.Ordinal);
        foreach (var o in stored.Overrides.Where(static o => o.Channel is null))
        {
            var price = o.Resolve(null);
            models[o.Model] = models.TryGetValue(o.Model, out var entry)
                ? entry with { Price = price }
                : new ModelPriceEntry(o.Model, price, new Dictionary<string, ModelPrice>(), []);
        }

        foreach (var o in stored.Overrides.Where(static o => o.Channel is not null))
        {
            if (models.TryGetValue(o.Model, out var entry))
            {
                var channels = new Dictionary<string, ModelPrice>(entry.Channels, StringComparer.Ordinal) { [o.Channel!] = o.Resolve(entry.Price) };
                models[o.Model] = entry with { Channels = channels };
            }
        }

        var groups = new Dictionary<string, PriceMultiplier>(configured.Groups, StringComparer.Ordinal);
        foreach (var (group, multiplier) in stored.Groups)
        {
            groups[group] = multiplier;
        }

        return new PriceTable(models.Values, groups);
    }

    private sealed record State(PriceTable Table, StoredPrices Stored);
}
