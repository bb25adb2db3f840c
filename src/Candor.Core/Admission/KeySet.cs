using System.Collections.Frozen;
using Candor.Core.Configuration;

namespace Candor.Core.Admission;

/// <summary>The client keys of a snapshot, held only as keyed hashes.</summary>
internal sealed class KeySet
{
    private readonly FrozenDictionary<string, string> _namesByHash;
    private readonly FrozenDictionary<string, string>.AlternateLookup<ReadOnlySpan<char>> _byHashDigits;
    private readonly KeyHasher _hasher;

    private KeySet(FrozenDictionary<string, string> namesByHash, KeyHasher hasher)
    {
        _namesByHash = namesByHash;
        _byHashDigits = namesByHash.GetAlternateLookup<ReadOnlySpan<char>>();
        _hasher = hasher;
    }

    public int Count => _namesByHash.Count;

    public static KeySet Build(IEnumerable<ClientKey> keys, KeyHasher hasher) =>
        new(keys.ToFrozenDictionary(k => hasher.Hash(k.Value), static k => k.Name, StringComparer.Ordinal), hasher);

    /// <summary>The hasher the keys are held under: a caller that looks the presented key up elsewhere too hashes it
    /// once with it (<see cref="TryAuthenticate(ReadOnlySpan{char}, ReadOnlySpan{char}, out string)"/>).</summary>
    public KeyHasher Hasher => _hasher;

    /// <summary>Finds the key's name. Every presented key is hashed, found or not, so the time taken
    /// does not depend on how close a guess is.</summary>
    public bool TryAuthenticate(ReadOnlySpan<char> presented, out string name)
    {
        Span<char> hash = stackalloc char[KeyHasher.HexLength];
        _hasher.Hash(presented.IsEmpty ? "-" : presented, hash);
        return TryAuthenticate(presented, hash, out name);
    }

    /// <summary>Finds the key's name from its hash under <see cref="Hasher"/>, which the caller made whatever the
    /// presented key was (of <c>-</c> for an empty one).</summary>
    public bool TryAuthenticate(ReadOnlySpan<char> presented, ReadOnlySpan<char> hash, out string name)
    {
        if (!presented.IsEmpty && _byHashDigits.TryGetValue(hash, out var found))
        {
            name = found;
            return true;
        }

        name = "";
        return false;
    }
}
