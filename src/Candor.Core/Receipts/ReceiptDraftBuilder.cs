using System.Collections.Concurrent;
using Candor.Core.Accounts;
using Candor.Core.Admission;
using Candor.Core.Relay;

namespace Candor.Core.Receipts;

/// <summary>Opens each request's receipt draft: a time-ordered id, the owner (a stored key, else the configuration
/// key's name) and the pseudonym printed for that owner, which is computed once per owner.</summary>
/// <param name="pseudonyms">The keyed hash for pseudonymous key ids (the server secret's, with a data directory).</param>
/// <param name="time">The clock (receipt ids are time-ordered).</param>
internal sealed class ReceiptDraftBuilder(KeyHasher pseudonyms, TimeProvider time)
{
    /// <summary>How many owners' pseudonyms are cached before the cache starts over.</summary>
    internal const int PseudonymCacheLimit = 100_000;

    private readonly ConcurrentDictionary<string, Owner> _storedOwners = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Owner> _configOwners = new(StringComparer.Ordinal);
    private int _cachedOwners;

    /// <summary>Opens the request's receipt and sets its id in the response header (<see cref="ReceiptService.Header"/>).</summary>
    public ReceiptDraft Begin(RelayContext context, ReadOnlySpan<byte> clientBody)
    {
        var caller = context.Caller;
        var owner = caller?.Key is { } key ? OwnerOf(_storedOwners, key.Id, "key:") : OwnerOf(_configOwners, caller?.Name ?? "-", "config:");
        var draft = new ReceiptDraft(NewId(), context.RequestId, context.SurfaceName, owner.Id, caller?.Key?.AccountId, owner.Pseudonym, clientBody);
        context.Receipt = draft;
        context.SetHeader(ReceiptService.Header, draft.Id);
        return draft;
    }

    /// <summary>The pseudonymous key id for an owner: 32 hex digits of HMAC-SHA256 under the server secret.</summary>
    public string Pseudonym(string ownerId) => pseudonyms.Hash("receipt-owner:" + ownerId)[..32].ToLowerInvariant();

    /// <summary>How many owners are cached (for tests).</summary>
    internal int CachedOwners => Volatile.Read(ref _cachedOwners);

    /// <summary>The owner id and pseudonym of a key, computed once per key (the secret never changes while the
    /// process runs). The cache starts over past <see cref="PseudonymCacheLimit"/> owners.</summary>
    private Owner OwnerOf(ConcurrentDictionary<string, Owner> cache, string name, string prefix)
    {
        if (cache.TryGetValue(name, out var owner))
        {
            return owner;
        }

        string id = prefix + name;
        owner = new Owner(id, Pseudonym(id));
        if (Interlocked.Increment(ref _cachedOwners) > PseudonymCacheLimit)
        {
            _storedOwners.Clear();
            _configOwners.Clear();
            Interlocked.Exchange(ref _cachedOwners, 0);
        }

        cache[name] = owner;
        return owner;
    }

    /// <summary>A time-ordered receipt id (<c>rcpt_</c> and 28 hex digits), so the receipts table's key index grows
    /// at its right edge (<see cref="EntityIds.NewOrdered"/>).</summary>
    private string NewId() => EntityIds.NewOrdered("rcpt", time.GetUtcNow());

    /// <summary>Who owns a receipt and the pseudonym printed on it.</summary>
    private sealed record Owner(string Id, string Pseudonym);
}
