using Candor.Core.Accounts;
using Candor.Core.Admission;
using Candor.Storage;
using Microsoft.Extensions.Time.Testing;

namespace Candor.UnitTests.Storage;

/// <summary>A store in a fresh temporary data directory, deleted on dispose: SQLite (<see cref="CreateAsync"/>) or a
/// fresh schema of the PostgreSQL named by <c>CANDOR_TEST_POSTGRES</c> (<see cref="CreatePostgresAsync"/>).</summary>
internal sealed class TempStore : IDisposable
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    private readonly Func<Task<RelationalStore>> _open;
    private readonly TestPostgres.Schema? _schema;

    private TempStore(string directory, RelationalStore store, KeyHasher hasher, FakeTimeProvider time, Func<Task<RelationalStore>> open, TestPostgres.Schema? schema)
    {
        Directory = directory;
        Store = store;
        Hasher = hasher;
        Time = time;
        _open = open;
        _schema = schema;
    }

    public string Directory { get; }

    public RelationalStore Store { get; private set; }

    /// <summary>True on PostgreSQL.</summary>
    public bool IsPostgres => _schema is not null;

    public KeyHasher Hasher { get; }

    public FakeTimeProvider Time { get; }

    public static string NewDirectory() => Path.Combine(Path.GetTempPath(), "candor-storage-tests", Guid.NewGuid().ToString("N"));

    public static async Task<TempStore> CreateAsync()
    {
        string directory = NewDirectory();
        var hasher = new KeyHasher(ServerSecret.LoadOrCreate(directory, null));
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 26, 12, 0, 0, TimeSpan.Zero));
        Func<Task<RelationalStore>> open = async () => await SqliteStore.OpenAsync(directory, hasher, time, CancellationToken.None).WaitAsync(Timeout);
        return new TempStore(directory, await open(), hasher, time, open, null);
    }

    /// <summary>A store in a fresh schema of the test PostgreSQL, dropped on dispose; skips the test when there is none
    /// (and fails it under CI=true, where .ci/run starts one).</summary>
    public static async Task<TempStore> CreatePostgresAsync()
    {
        var schema = await TestPostgres.CreateSchemaAsync().WaitAsync(Timeout);
        string directory = NewDirectory();
        var hasher = new KeyHasher(ServerSecret.LoadOrCreate(directory, null));
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 26, 12, 0, 0, TimeSpan.Zero));
        Func<Task<RelationalStore>> open = async () => await PostgresStore.OpenAsync(schema.ConnectionString, null, hasher, time, CancellationToken.None).WaitAsync(Timeout);
        try
        {
            return new TempStore(directory, await open(), hasher, time, open, schema);
        }
        catch
        {
            await schema.DisposeAsync();
            throw;
        }
    }

    /// <summary>Closes the store and opens a new instance on the same directory (or schema).</summary>
    public async Task ReopenAsync()
    {
        Store.Dispose();
        Store = await _open();
    }

    /// <summary>A second store on the same database, as a second process (or node) would open it.</summary>
    public Task<RelationalStore> OpenSecondAsync() => _open();

    /// <summary>An injected store fault: the receipts table refuses the row <paramref name="receiptId"/> (a trigger
    /// written through a second connection, as another process could).</summary>
    public Task FailReceiptInsertsAsync(string receiptId) => _schema is { } schema
        ? schema.ExecuteAsync($"""
            CREATE FUNCTION fail_receipt() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'injected store fault'; END $$;
            CREATE TRIGGER fail_receipt BEFORE INSERT ON receipts FOR EACH ROW WHEN (NEW.id = '{receiptId}') EXECUTE FUNCTION fail_receipt()
            """)
        : JointSettlementTests.FailReceiptInsertsAsync(Store.DatabasePath, receiptId);

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
        _schema?.DisposeAsync().AsTask().Wait(Timeout);
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
