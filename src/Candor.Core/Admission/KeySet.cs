using System.Collections.Frozen;
using Candor.Core.Configuration;

namespace Candor.Core.Admission;

/// <summary>The client keys of a snapshot, held only as keyed hashes.</summary>
internal sealed class KeySet
{
    private readonly FrozenDictionary<string, string> _namesByHash;
    private readonly KeyHasher _hasher;

    private KeySet(FrozenDictionary<string, string> namesByHash, KeyHasher hasher)
    {
        _namesByHash = namesByHash;
        _hasher = hasher;
    }

    public int Count => _namesByHash.Count;

    public static KeySet Build(IEnumerable<ClientKey> keys, KeyHasher hasher) =>
        new(keys.ToFrozenDictionary(k => hasher.Hash(k.Value), static k => k.Name, StringComparer.Ordinal), hasher);

    /// <summary>Finds the key's name. Every presented key is hashed, found or not, so the time taken
    /// does not depend on how close a guess is.</summary>
    public bool TryAuthenticate(ReadOnlySpan<char> presented, out string name)
    {
        string hash = _hasher.Hash(presented.IsEmpty ? "-" : presented);
        if (!presented.IsEmpty && _namesByHash.TryGetValue(hash, out var found))
        {
            name = found;
            return true;
        }

        name = "";
        return false;
    }
}
