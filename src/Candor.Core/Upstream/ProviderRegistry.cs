using System.Collections.Frozen;

namespace Candor.Core.Upstream;

/// <summary>The provider adapters this build knows, by name.</summary>
internal sealed class ProviderRegistry
{
    private readonly FrozenDictionary<string, IProviderAdapter> _adapters;

    public ProviderRegistry(IEnumerable<IProviderAdapter> adapters)
    {
        _adapters = adapters.ToFrozenDictionary(static a => a.Name, StringComparer.Ordinal);
    }

    public IReadOnlySet<string> Names => _adapters.Keys.ToFrozenSet(StringComparer.Ordinal);

    public IProviderAdapter Get(string name) =>
        _adapters.TryGetValue(name, out var a) ? a : throw new KeyNotFoundException($"No provider adapter named '{name}'.");
}
