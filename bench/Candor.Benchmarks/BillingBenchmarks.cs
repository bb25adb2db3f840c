using System.Globalization;
using BenchmarkDotNet.Attributes;
using Candor.Core.Accounting;
using Candor.Core.Accounts;
using Candor.Core.Admission;
using Candor.Core.Receipts;
using Candor.Storage;

namespace Candor.Benchmarks;

/// <summary>The per-request cost of billing a stored key: admission (key resolved from the in-memory cache among
/// 200 keys, price lookup and reservation estimate, rate limits, money reservation and its release) and
/// settlement (the durable usage record and charge in SQLite, synchronous=FULL), alone and 16 at once, where
/// group commit shares one transaction and one fsync among them. Uses a real store in a temporary directory.</summary>
[MemoryDiagnoser]
public class BillingBenchmarks
{
    private const int Concurrent = 16;

    private readonly Task<bool>[] _settlements = new Task<bool>[Concurrent];
    private readonly Task[] _admissions = new Task[Concurrent];
    private readonly byte[] _receiptBody = new byte[1536];
    private string _directory = null!;
    private SqliteStore _store = null!;
    private ApiKeyCache _cache = null!;
    private RateLimiter _limiter = null!;
    private BillingBook _book = null!;
    private PriceBook _prices = null!;
    private string _presented = null!;
    private ApiKeyRecord _key = null!;
    private long _request;

    [GlobalSetup]
    public void Setup()
    {
        _directory = Directory.CreateTempSubdirectory("candor-bench-").FullName;
        var hasher = new KeyHasher(ServerSecret.LoadOrCreate(_directory));
        _store = SqliteStore.OpenAsync(_directory, hasher, TimeProvider.System, CancellationToken.None).GetAwaiter().GetResult();
        var account = _store.CreateAccountAsync("bench", Account.DefaultGroup, CancellationToken.None).GetAwaiter().GetResult();
        _store.TopUpAsync(account.Id, 1_000_000_000_000, "bench", CancellationToken.None).GetAwaiter().GetResult();
        var limits = new ApiKeyLimits { RpmLimit = int.MaxValue, TpmLimit = int.MaxValue, ConcurrencyLimit = 1000, BudgetMicros = 1_000_000_000_000 };
        for (int i = 0; i < 200; i++)
        {
            var created = _store.CreateKeyAsync(account.Id, "k" + i.ToString(CultureInfo.InvariantCulture), limits, isOperator: false, CancellationToken.None).GetAwaiter().GetResult()!;
            if (i == 100)
            {
                _presented = created.PlaintextKey;
                _key = created.Record;
            }
        }

        _cache = new ApiKeyCache(_store, hasher);
        _cache.LoadAsync(DateTimeOffset.UtcNow, CancellationToken.None).GetAwaiter().GetResult();
        _limiter = new RateLimiter(TimeProvider.System);
        _book = new BillingBook(_store);
        _prices = PriceBook.Load([], _store);
        _prices.ReloadAsync(CancellationToken.None).GetAwaiter().GetResult();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _store.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    /// <summary>Admission of one request: resolve, price, rate-limit, reserve; then release (so the state is steady).</summary>
    [Benchmark]
    public async Task<long> Admission()
    {
        if (!_cache.TryResolve(_presented, DateTimeOffset.UtcNow, out var key))
        {
            throw new InvalidOperationException("the key did not resolve");
        }

        var table = _prices.Current;
        var price = table.Find("gpt-4o-mini") ?? throw new InvalidOperationException("no price");
        long reserve = CostCalculator.EstimateReservation(200, 1000, price, table.MultiplierFor(key.AccountGroup));
        var decision = _limiter.TryAcquire(key.Id, new RateLimits(key.RpmLimit, key.TpmLimit, key.ConcurrencyLimit), 1200);
        var reservation = await _book.TryReserveAsync(key, reserve, CancellationToken.None) ?? throw new InvalidOperationException("refused");
        _book.Settle(reservation, 0);
        decision.Lease!.Settle(0);
        return reserve;
    }

    /// <summary>One settlement on its own: one transaction, one fsync.</summary>
    [Benchmark]
    public Task<bool> Settlement() => SettleAsync();

    /// <summary>Sixteen concurrent settlements (per settlement): group commit writes them in one or two transactions.</summary>
    [Benchmark(OperationsPerInvoke = Concurrent)]
    public async Task SettlementConcurrent16()
    {
        for (int i = 0; i < Concurrent; i++)
        {
            _settlements[i] = SettleAsync();
        }

        await Task.WhenAll(_settlements);
    }

    /// <summary>A settlement and its receipt as two durable writes, one after the other (before the joint write):
    /// two transactions, two fsyncs.</summary>
    [Benchmark]
    public async Task SettlementThenReceipt()
    {
        var (usage, receipt) = Settled();
        await _store.RecordUsageAsync(usage, LedgerEntry.ChargeFor(usage, "bench"), CancellationToken.None);
        await _store.SaveAsync(receipt, CancellationToken.None);
    }

    /// <summary>A settlement and its receipt in one durable write (<c>RecordUsageAsync</c> with the receipt): one
    /// transaction, one fsync.</summary>
    [Benchmark]
    public Task<bool> SettlementWithReceipt()
    {
        var (usage, receipt) = Settled();
        return _store.RecordUsageAsync(usage, LedgerEntry.ChargeFor(usage, "bench"), receipt, CancellationToken.None);
    }

    /// <summary>Sixteen concurrent settlements, each followed by its receipt's own write (per request).</summary>
    [Benchmark(OperationsPerInvoke = Concurrent)]
    public async Task SettlementThenReceiptConcurrent16()
    {
        for (int i = 0; i < Concurrent; i++)
        {
            _admissions[i] = SettlementThenReceipt();
        }

        await Task.WhenAll(_admissions);
    }

    /// <summary>Sixteen concurrent joint settlements with their receipts (per request): group commit shares the transaction.</summary>
    [Benchmark(OperationsPerInvoke = Concurrent)]
    public async Task SettlementWithReceiptConcurrent16()
    {
        for (int i = 0; i < Concurrent; i++)
        {
            _settlements[i] = SettlementWithReceipt();
        }

        await Task.WhenAll(_settlements);
    }

    /// <summary>The durable admission record of one request on its own (crash recovery: one more group-committed
    /// transaction per request, removed by the settlement's own transaction).</summary>
    [Benchmark]
    public Task AdmissionRecord() => _store.RecordAdmissionAsync(Admitted(), CancellationToken.None);

    /// <summary>Sixteen concurrent admission records (per record): group commit shares the transaction.</summary>
    [Benchmark(OperationsPerInvoke = Concurrent)]
    public async Task AdmissionRecordConcurrent16()
    {
        for (int i = 0; i < Concurrent; i++)
        {
            _admissions[i] = _store.RecordAdmissionAsync(Admitted(), CancellationToken.None);
        }

        await Task.WhenAll(_admissions);
    }

    private UsageRecord Admitted()
    {
        long n = Interlocked.Increment(ref _request);
        return new UsageRecord
        {
            RequestId = "req_admit_" + n.ToString(CultureInfo.InvariantCulture),
            AccountId = _key.AccountId,
            KeyId = _key.Id,
            CreatedAt = DateTimeOffset.UtcNow,
            Surface = "openai",
            RequestedModel = "gpt-4o-mini",
            UpstreamModel = "gpt-4o-mini",
            Outcome = UsageOutcome.Interrupted,
            CountedInputTokens = 200,
            BilledSource = BilledSource.None,
            ChargeMicros = 0,
            DurationMs = 0,
        };
    }

    private Task<bool> SettleAsync()
    {
        var usage = Usage();
        return _store.RecordUsageAsync(usage, LedgerEntry.ChargeFor(usage, "bench"), CancellationToken.None);
    }

    /// <summary>A usage record and a receipt of the size a relayed request's is (about 1.5 KB).</summary>
    private (UsageRecord Usage, StoredReceipt Receipt) Settled()
    {
        var usage = Usage();
        return (usage, new StoredReceipt("rcpt_" + usage.RequestId, "key:" + _key.Id, _key.AccountId, usage.CreatedAt, _receiptBody, null));
    }

    private UsageRecord Usage()
    {
        long n = Interlocked.Increment(ref _request);
        return CompleteUsage("req_bench_" + n.ToString(CultureInfo.InvariantCulture), _key, DateTimeOffset.UtcNow);
    }

    /// <summary>The usage record of a completed, upstream-billed chat request of <paramref name="key"/> (90 µUSD).</summary>
    internal static UsageRecord CompleteUsage(string requestId, ApiKeyRecord key, DateTimeOffset createdAt)
    {
        return new UsageRecord
        {
            RequestId = requestId,
            AccountId = key.AccountId,
            KeyId = key.Id,
            CreatedAt = createdAt,
            Surface = "openai",
            RequestedModel = "gpt-4o-mini",
            UpstreamModel = "gpt-4o-mini",
            ReportedModel = "gpt-4o-mini-2024-07-18",
            ChannelId = "oa",
            Outcome = UsageOutcome.Complete,
            ReportedInputTokens = 200,
            ReportedOutputTokens = 100,
            ReportedTotalTokens = 300,
            CountedInputTokens = 198,
            CountedOutputTokens = 100,
            BilledSource = BilledSource.Upstream,
            ChargeMicros = 90,
            DurationMs = 12,
        };
    }
}
