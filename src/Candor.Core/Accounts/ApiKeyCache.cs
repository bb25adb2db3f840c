using System.Collections.Frozen;
using System.Diagnostics.CodeAnalysis;
using Candor.Core.Admission;

namespace Candor.Core.Accounts;

/// <summary>The keys admission resolves from, held in memory by keyed hash so no request touches the database.
/// <see cref="LoadAsync"/> warms it; <see cref="RefreshAsync"/> applies the changes made since (by this node or
/// another) and is meant to run on a short timer or on an invalidation message. The key map is immutable and
/// swapped whole, so lookups take no lock.</summary>
internal sealed class ApiKeyCache(IKeyStore store, KeyHasher hasher)
{
    private readonly SemaphoreSlim _refreshing = new(1, 1);
    private Snapshot _snapshot = new(FrozenDictionary<string, ApiKeyRecord>.Empty, -1);

    /// <summary>The key-store version the cache is current as of; -1 before <see cref="LoadAsync"/>.</summary>
    public long Version => Volatile.Read(ref _snapshot).Version;

    /// <summary>How many keys the cache holds.</summary>
    public int Count => Volatile.Read(ref _snapshot).ByHash.Count;

    /// <summary>Loads every active key, replacing whatever the cache held.</summary>
    public async Task LoadAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        await _refreshing.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var active = await store.ListActiveAsync(now, cancellationToken).ConfigureAwait(false);
            Volatile.Write(ref _snapshot, new Snapshot(active.Keys.ToFrozenDictionary(static k => k.Hash, StringComparer.Ordinal), active.Version));
        }
        finally
        {
            _refreshing.Release();
        }
    }

    /// <summary>Applies the keys changed since <see cref="Version"/>: new and updated keys replace their entries,
    /// revoked keys and keys of disabled accounts leave. Returns how many keys changed. The store's version is read
    /// first: the changed keys are asked for only when it moved.</summary>
    public async Task<int> RefreshAsync(CancellationToken cancellationToken)
    {
        await _refreshing.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var current = Volatile.Read(ref _snapshot);
            // The usual tick finds nothing changed: one version read, not the version and a query for changed keys.
            if (current.Version >= 0 && await store.GetVersionAsync(cancellationToken).ConfigureAwait(false) == current.Version)
            {
                return 0;
            }

            var changes = await store.GetChangedSinceAsync(Math.Max(current.Version, 0), cancellationToken).ConfigureAwait(false);
            if (changes.Keys.Count == 0)
            {
                Volatile.Write(ref _snapshot, current with { Version = changes.Version });
                return 0;
            }

            var next = new Dictionary<string, ApiKeyRecord>(current.ByHash, StringComparer.Ordinal);
            foreach (var key in changes.Keys)
            {
                if (key.RevokedAt is null && !key.AccountDisabled)
                {
                    next[key.Hash] = key;
                }
                else
                {
                    next.Remove(key.Hash);
                }
            }

            Volatile.Write(ref _snapshot, new Snapshot(next.ToFrozenDictionary(StringComparer.Ordinal), changes.Version));
            return changes.Keys.Count;
        }
        finally
        {
            _refreshing.Release();
        }
    }

    /// <summary>Finds the usable key for a presented secret. Every presented key is hashed, found or not, so the
    /// time taken does not depend on how close a guess is; an unknown, revoked, expired or disabled key gives the
    /// same false. A secret not found as presented is tried once more in its stored spelling when one-api and new-api
    /// would have read it as another (<see cref="ImportedKeyForm"/>: without <c>sk-</c>, with a channel suffix); whether
    /// that second hash is made depends only on the secret's shape.</summary>
    public bool TryResolve(ReadOnlySpan<char> presented, DateTimeOffset now, [NotNullWhen(true)] out ApiKeyRecord? key)
    {
        Span<char> hash = stackalloc char[KeyHasher.HexLength];
        hasher.Hash(presented.IsEmpty ? "-" : presented, hash);
        return TryResolveHashed(presented, hash, now, out key);
    }

    /// <summary><see cref="TryResolve(ReadOnlySpan{char}, DateTimeOffset, out ApiKeyRecord?)"/> with the presented key
    /// already hashed by <paramref name="hashedWith"/> (of <c>-</c> for an empty one; admission hashes it once for the
    /// configuration keys and the stored ones). The hash is used only when it was made under this cache's secret;
    /// otherwise the key is hashed again here. <paramref name="hash"/> is overwritten when a second hash is made.</summary>
    public bool TryResolve(ReadOnlySpan<char> presented, KeyHasher hashedWith, Span<char> hash, DateTimeOffset now, [NotNullWhen(true)] out ApiKeyRecord? key)
    {
        if (!ReferenceEquals(hashedWith, hasher))
        {
            hasher.Hash(presented.IsEmpty ? "-" : presented, hash);
        }

        return TryResolveHashed(presented, hash, now, out key);
    }

    private bool TryResolveHashed(ReadOnlySpan<char> presented, Span<char> hash, DateTimeOffset now, [NotNullWhen(true)] out ApiKeyRecord? key)
    {
        var byHash = Volatile.Read(ref _snapshot).Lookup;
        if (!presented.IsEmpty && (byHash.TryGetValue(hash, out var found)
                || (ImportedKeyForm.Canonical(presented) is { } canonical && TryGetCanonical(byHash, canonical, hash, out found)))
            && found.IsUsableAt(now))
        {
            key = found;
            return true;
        }

        key = null;
        return false;
    }

    private bool TryGetCanonical(FrozenDictionary<string, ApiKeyRecord>.AlternateLookup<ReadOnlySpan<char>> byHash, string canonical, Span<char> hash,
        [NotNullWhen(true)] out ApiKeyRecord? found)
    {
        hasher.Hash(canonical, hash);
        return byHash.TryGetValue(hash, out found);
    }

    /// <summary>The keys by hash, and the same map read by the hash's digits on the stack (no string per lookup).</summary>
    private sealed record Snapshot(FrozenDictionary<string, ApiKeyRecord> ByHash, long Version)
    {
        public FrozenDictionary<string, ApiKeyRecord>.AlternateLookup<ReadOnlySpan<char>> Lookup { get; } = ByHash.GetAlternateLookup<ReadOnlySpan<char>>();
    }
}
