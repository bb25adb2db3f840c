using Candor.Core.Accounts;
using Candor.Core.Admission;
using Candor.Storage;
using Microsoft.Extensions.Time.Testing;

namespace Candor.UnitTests.Storage;

/// <summary>A store in a fresh temporary data directory, deleted on dispose.</summary>
internal sealed class TempStore : IDisposable
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    private TempStore(string directory, SqliteStore store, KeyHasher hasher, FakeTimeProvider time)
    {
        Directory = directory;
        Store = store;
        Hasher = hasher;
        Time = time;
    }

    public string Directory { get; }

    public SqliteStore Store { get; private set; }

    public KeyHasher Hasher { get; }

    public FakeTimeProvider Time { get; }

    public static string NewDirectory() => Path.Combine(Path.GetTempPath(), "candor-storage-tests", Guid.NewGuid().ToString("N"));

    public static async Task<TempStore> CreateAsync()
    {
        string directory = NewDirectory();
        var hasher = new KeyHasher(ServerSecret.LoadOrCreate(directory, null));
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 26, 12, 0, 0, TimeSpan.Zero));
        var store = await SqliteStore.OpenAsync(directory, hasher, time, CancellationToken.None).WaitAsync(Timeout);
        return new TempStore(directory, store, hasher, time);
    }

    /// <summary>Closes the store and opens a new instance on the same directory.</summary>
    public async Task ReopenAsync()
    {
        Store.Dispose();
        Store = await SqliteStore.OpenAsync(Directory, Hasher, Time, CancellationToken.None).WaitAsync(Timeout);
    }

    public Task<SqliteStore> OpenSecondAsync() => SqliteStore.OpenAsync(Directory, Hasher, Time, CancellationToken.None).WaitAsync(Timeout);

    public async Task<Account> AccountAsync(string name, long topUpMicros = 0)
    {
        var account = await Store.CreateAccountAsync(name, "default", CancellationToken.None).WaitAsync(Timeout);
        if (topUpMicros > 0)
        {
            Assert.NotNull(await Store.TopUpAsync(account.Id, topUpMicros, "test", CancellationToken.None).WaitAsync(Timeout));
        }

        return account;
    }

    public async Task<CreatedApiKey> KeyAsync(string accountId, ApiKeyLimits? limits = null)
    {
        var key = await Store.CreateKeyAsync(accountId, "test key", limits ?? ApiKeyLimits.None, isOperator: false, CancellationToken.None).WaitAsync(Timeout);
        return Assert.IsType<CreatedApiKey>(key);
    }

    public UsageRecord Usage(string accountId, string keyId, string requestId, long chargeMicros, DateTimeOffset? at = null) => new()
    {
        RequestId = requestId,
        AccountId = accountId,
        KeyId = keyId,
        CreatedAt = at ?? Time.GetUtcNow(),
        Surface = "openai",
        RequestedModel = "gpt-4o",
        UpstreamModel = "gpt-4o-2024-08-06",
        ReportedModel = "gpt-4o-2024-08-06",
        ChannelId = "openai-main",
        Outcome = UsageOutcome.Complete,
        ReportedInputTokens = 100,
        ReportedOutputTokens = 20,
        ReportedCachedInputTokens = 0,
        ReportedTotalTokens = 120,
        CountedInputTokens = 101,
        CountedOutputTokens = 20,
        BilledSource = chargeMicros == 0 ? BilledSource.None : BilledSource.Upstream,
        ChargeMicros = chargeMicros,
        DurationMs = 250,
    };

    public Task<bool> RecordAsync(UsageRecord usage) =>
        Store.RecordUsageAsync(usage, usage.ChargeMicros == 0 ? null : LedgerEntry.ChargeFor(usage), CancellationToken.None).WaitAsync(Timeout);

    public void Dispose()
    {
        Store.Dispose();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp directory must not fail a test.
        }
    }
}
