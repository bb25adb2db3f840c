using System.Collections.Concurrent;
using Candor.Core.Accounts;

namespace Candor.Core.Admission;

/// <summary>Money held in memory for admission: each account's balance and each budgeted key's spend, loaded
/// once from the store and then kept by settlements, with what in-flight requests have reserved. A request is
/// admitted only when its reservation fits both the balance and the key's budget after every other
/// reservation, and its settled charge is capped at its reservation, so concurrent requests cannot overspend.
/// One lock guards every figure: reserving touches two entries at once and the work under it is a few additions.
/// On a store that several nodes share (<see cref="ILedgerStore.ReservesInStore"/>) the book holds nothing: the
/// reservation is made by the admission record's write (<see cref="ILedgerStore.TryReserveAndRecordAdmissionAsync"/>)
/// and released by the settlement's, so every node checks against every node's reservations (docs/scale-out.md).</summary>
internal sealed class BillingBook(ILedgerStore store)
{
    private readonly ConcurrentDictionary<string, Lazy<Task<Entry>>> _accounts = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Lazy<Task<Entry>>> _keys = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, DateTimeOffset> _abandoned = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();

    /// <summary>True when reservations are held in the shared store rather than in this book.</summary>
    public bool ReservesInStore { get; } = store.ReservesInStore;

    /// <summary>Reserves <paramref name="micros"/> against the key's account balance and budget; null when it does not fit.
    /// In store mode it only describes the reservation: the admission record's write makes it (or refuses it).</summary>
    public Task<Reservation?> TryReserveAsync(ApiKeyRecord key, long micros, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (ReservesInStore)
        {
            return Task.FromResult<Reservation?>(new Reservation(null, null, micros));
        }

        // Every request after its account's and key's first finds both loaded: no load delegate, closure or await.
        return Loaded(_accounts, key.AccountId) is { } account && Loaded(_keys, key.Id) is { } spend
            ? Task.FromResult(Reserve(key, account, spend, micros))
            : LoadAndReserveAsync(key, micros, cancellationToken);
    }

    private async Task<Reservation?> LoadAndReserveAsync(ApiKeyRecord key, long micros, CancellationToken cancellationToken)
    {
        var account = await LoadAsync(_accounts, key.AccountId, async ct => await store.GetBalanceAsync(key.AccountId, ct).ConfigureAwait(false) ?? 0, cancellationToken).ConfigureAwait(false);
        var spend = await LoadAsync(_keys, key.Id, ct => store.GetKeySpendAsync(key.Id, ct), cancellationToken).ConfigureAwait(false);
        return Reserve(key, account, spend, micros);
    }

    private Reservation? Reserve(ApiKeyRecord key, Entry account, Entry spend, long micros)
    {
        lock (_gate)
        {
            if (account.Amount - account.Reserved < micros)
            {
                return null;
            }

            if (key.BudgetMicros is { } budget && budget - spend.Amount - spend.Reserved < micros)
            {
                return null;
            }

            account.Reserved += micros;
            spend.Reserved += micros;
            account.Settling++;
            spend.Settling++;
            return new Reservation(account, spend, micros);
        }
    }

    /// <summary>The entry of <paramref name="id"/> when its load has completed successfully; else null (not loaded,
    /// loading, or failed: <see cref="LoadAsync"/> waits for it or retries it).</summary>
    private static Entry? Loaded(ConcurrentDictionary<string, Lazy<Task<Entry>>> map, string id) =>
        map.TryGetValue(id, out var lazy) && lazy.IsValueCreated && lazy.Value.IsCompletedSuccessfully ? lazy.Value.Result : null;

    /// <summary>Applies a settled (committed) charge and frees the reservation. Pass 0 when nothing was recorded.</summary>
    public void Settle(Reservation reservation, long chargedMicros)
    {
        ArgumentNullException.ThrowIfNull(reservation);
        lock (_gate)
        {
            if (reservation.Released)
            {
                return;
            }

            reservation.Released = true;
            if (reservation.Account is null || reservation.Key is null)
            {
                return; // held in the store: the settlement's transaction released it
            }

            reservation.Account.Reserved -= reservation.Micros;
            reservation.Account.Amount -= chargedMicros;
            reservation.Account.Settling--;
            reservation.Account.Generation++;
            reservation.Key.Reserved -= reservation.Micros;
            reservation.Key.Amount += chargedMicros;
            reservation.Key.Settling--;
            reservation.Key.Generation++;
        }
    }

    /// <summary>Marks a request whose reservation is held in the store and whose settlement did not commit (or whose
    /// admission write failed after it may have committed): this node's recovery releases it and records the request as
    /// interrupted as soon as the store takes writes (<see cref="Abandoned"/>).</summary>
    public void Abandon(string requestId, DateTimeOffset at) => _abandoned.TryAdd(requestId, at);

    /// <summary>The abandoned requests still to recover, with when each was abandoned.</summary>
    public IReadOnlyList<KeyValuePair<string, DateTimeOffset>> Abandoned => [.. _abandoned];

    /// <summary>Forgets an abandoned request once it is recovered (or no admission of it exists any more).</summary>
    public void Forget(string requestId) => _abandoned.TryRemove(requestId, out _);

    /// <summary>Re-reads the balances of the accounts in the book, so top-ups and adjustments made elsewhere
    /// become spendable. A balance is replaced only when no request of the account settled or was in flight
    /// while it was read, so a charge is never counted twice or lost.</summary>
    public async Task RefreshAsync(CancellationToken cancellationToken)
    {
        foreach (var (accountId, lazy) in _accounts)
        {
            if (!lazy.IsValueCreated || !lazy.Value.IsCompletedSuccessfully)
            {
                continue;
            }

            var entry = lazy.Value.Result;
            long generation;
            lock (_gate)
            {
                if (entry.Settling > 0)
                {
                    continue;
                }

                generation = entry.Generation;
            }

            long? balance = await store.GetBalanceAsync(accountId, cancellationToken).ConfigureAwait(false);
            lock (_gate)
            {
                if (balance is { } b && entry.Settling == 0 && entry.Generation == generation)
                {
                    entry.Amount = b;
                }
            }
        }
    }

    /// <summary>The loaded accounts that hold money reserved or a reservation not yet settled, by account id: what
    /// is left held once every request has finished is a leak (the functional tests' host checks it at dispose).</summary>
    internal IReadOnlyList<(string Id, long Reserved, int Settling)> HeldByAccount => Held(_accounts);

    /// <summary>The loaded key budgets that hold money reserved or a reservation not yet settled, by key id.</summary>
    internal IReadOnlyList<(string Id, long Reserved, int Settling)> HeldByKey => Held(_keys);

    private List<(string Id, long Reserved, int Settling)> Held(ConcurrentDictionary<string, Lazy<Task<Entry>>> map)
    {
        var held = new List<(string, long, int)>();
        foreach (var (id, lazy) in map)
        {
            if (lazy.IsValueCreated && lazy.Value.IsCompletedSuccessfully)
            {
                var entry = lazy.Value.Result;
                lock (_gate)
                {
                    if (entry.Reserved != 0 || entry.Settling != 0)
                    {
                        held.Add((id, entry.Reserved, entry.Settling));
                    }
                }
            }
        }

        return held;
    }

    private static async Task<Entry> LoadAsync(ConcurrentDictionary<string, Lazy<Task<Entry>>> map, string id, Func<CancellationToken, Task<long>> load, CancellationToken cancellationToken)
    {
        var lazy = map.GetOrAdd(id, _ => new Lazy<Task<Entry>>(async () =>
        {
            // The load is shared by every request that waits for it, so it does not follow any one client.
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            return new Entry { Amount = await load(timeout.Token).ConfigureAwait(false) };
        }));
        try
        {
            return await lazy.Value.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception) when (lazy.Value.IsFaulted || lazy.Value.IsCanceled)
        {
            map.TryRemove(new KeyValuePair<string, Lazy<Task<Entry>>>(id, lazy));
            throw;
        }
    }

    /// <summary>An account's balance or a key's spend, what is reserved against it, and how many reservations
    /// are open; guarded by the book's lock.</summary>
    internal sealed class Entry
    {
        public long Amount { get; set; }

        public long Reserved { get; set; }

        public int Settling { get; set; }

        public long Generation { get; set; }
    }

    /// <summary>Money held for one request until it settles.</summary>
    public sealed class Reservation
    {
        internal Reservation(Entry? account, Entry? key, long micros)
        {
            Account = account;
            Key = key;
            Micros = micros;
        }

        /// <summary>The reserved amount: the most the request can be charged.</summary>
        public long Micros { get; }

        /// <summary>True when the reservation is held in the shared store, not in the book.</summary>
        public bool InStore => Account is null;

        internal Entry? Account { get; }

        internal Entry? Key { get; }

        internal bool Released { get; set; }
    }
}
