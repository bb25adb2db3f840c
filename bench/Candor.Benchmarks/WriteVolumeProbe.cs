using System.Diagnostics;
using System.Globalization;
using Candor.Core.Accounting;
using Candor.Core.Accounts;
using Candor.Core.Admission;
using Candor.Core.Receipts;
using Candor.Storage;
using Microsoft.Data.Sqlite;

namespace Candor.Benchmarks;

/// <summary><c>dotnet run -c Release --project bench/Candor.Benchmarks -- write-volume [requests] [concurrency] [page size]</c>:
/// the SQLite writes of a request with every feature on, without the HTTP around them: its admission record (with the
/// receipt it promises), its settlement (usage record, charge, receipt of 2,200 bytes: the lead's measured average, in
/// one group-committed transaction) and its receipt's transparency-log index (every 64 receipts, as the log appender),
/// <paramref name="concurrency"/> requests in flight. Prints the bytes the process handed to write(2) per request (the WAL
/// and the checkpoints' copies into the database: /proc/self/io wchar), write calls per request, managed bytes allocated
/// per request, CPU time per request (noise on a loaded machine), and the database's pages (with CANDOR_PROBE_KEEP=1 the
/// directory is kept, for sqlite3's dbstat). A page
/// size other than 0 creates the database with it before the store opens it (the default: what the store chooses).</summary>
internal static class WriteVolumeProbe
{
    private const int ReceiptBytes = 2_200;

    public static async Task RunAsync(int requests, int concurrency, int pageSize)
    {
        string directory = Directory.CreateTempSubdirectory("candor-writes-").FullName;
        bool keep = false;
        try
        {
            if (pageSize > 0)
            {
                using var create = new SqliteConnection($"Data Source={Path.Combine(directory, SqliteStore.DatabaseFileName)}");
                create.Open();
                using var pragma = create.CreateCommand();
                pragma.CommandText = string.Create(CultureInfo.InvariantCulture, $"PRAGMA page_size = {pageSize}; PRAGMA journal_mode = WAL; CREATE TABLE probe_page_size (x INTEGER);");
                pragma.ExecuteNonQuery();
            }

            var hasher = new KeyHasher(ServerSecret.LoadOrCreate(directory));
            using var store = await SqliteStore.OpenAsync(directory, hasher, TimeProvider.System, CancellationToken.None);
            var account = await store.CreateAccountAsync("bench", Account.DefaultGroup, CancellationToken.None);
            await store.TopUpAsync(account.Id, 1_000_000_000_000, "bench", CancellationToken.None);
            var limits = new ApiKeyLimits { RpmLimit = int.MaxValue, TpmLimit = int.MaxValue, ConcurrencyLimit = 1000 };
            var key = (await store.CreateKeyAsync(account.Id, "k", limits, isOperator: false, CancellationToken.None))!.Record;
            var body = new byte[ReceiptBytes];
            var leaves = new Leaves(store);

            await RunRequestsAsync(store, key, body, leaves, 2_000, concurrency);
            var (wcharBefore, syscwBefore) = ReadIo();
            long transactionsBefore = store.SettlementTransactions, settledBefore = store.SettlementsCommitted;
            long allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
            var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
            var clock = Stopwatch.StartNew();
            await RunRequestsAsync(store, key, body, leaves, requests, concurrency);
            await leaves.FlushAsync();
            clock.Stop();
            var cpu = Process.GetCurrentProcess().TotalProcessorTime - cpuBefore;
            long allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
            var (wchar, syscw) = ReadIo();

            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"""
                requests {requests}, {concurrency} in flight, page size {pageSize} (0: the store's), receipt {ReceiptBytes} B
                written: {(wchar - wcharBefore) / (double)requests:N0} B/request, {(syscw - syscwBefore) / (double)requests:F2} write calls/request
                settlements per transaction: {(store.SettlementsCommitted - settledBefore) / (double)Math.Max(1, store.SettlementTransactions - transactionsBefore):F1}
                allocated: {allocated / (double)requests:N0} B/request; CPU {cpu.TotalMicroseconds / requests:F0} µs/request; {requests / clock.Elapsed.TotalSeconds:N0} requests/s
                load average: {File.ReadAllText("/proc/loadavg").Trim()}
                """));

            using var connection = new SqliteConnection($"Data Source={Path.Combine(directory, SqliteStore.DatabaseFileName)};Mode=ReadOnly");
            connection.Open();
            using var stat = connection.CreateCommand();
            stat.CommandText = "SELECT (SELECT page_size FROM pragma_page_size), (SELECT page_count FROM pragma_page_count), (SELECT freelist_count FROM pragma_freelist_count)";
            using (var reader = stat.ExecuteReader())
            {
                reader.Read();
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"database: {reader.GetInt64(1):N0} pages of {reader.GetInt64(0):N0} B ({reader.GetInt64(0) * reader.GetInt64(1) / (double)(requests + 2_000):N0} B per request stored), {reader.GetInt64(2):N0} free"));
            }

            if (Environment.GetEnvironmentVariable("CANDOR_PROBE_KEEP") == "1")
            {
                // The bundled SQLite has no dbstat: sqlite3 DIR/candor.db "SELECT name, SUM(pgsize) FROM dbstat GROUP BY name".
                Console.WriteLine($"kept: {directory}");
                keep = true;
            }
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            if (!keep)
            {
                Directory.Delete(directory, recursive: true);
            }
        }
    }

    private static async Task RunRequestsAsync(SqliteStore store, ApiKeyRecord key, byte[] body, Leaves leaves, int requests, int concurrency)
    {
        int next = 0;
        var workers = new Task[concurrency];
        for (int w = 0; w < concurrency; w++)
        {
            workers[w] = Task.Run(async () =>
            {
                while (Interlocked.Increment(ref next) <= requests)
                {
                    await OneAsync(store, key, body, leaves);
                }
            });
        }

        await Task.WhenAll(workers);
    }

    private static async Task OneAsync(SqliteStore store, ApiKeyRecord key, byte[] body, Leaves leaves)
    {
        var now = DateTimeOffset.UtcNow;
        string requestId = EntityIds.NewOrdered("req", now);
        string receiptId = EntityIds.NewOrdered("rcpt", now);
        var usage = BillingBenchmarks.CompleteUsage(requestId, key, now);
        var admitted = usage with { Outcome = UsageOutcome.Interrupted, BilledSource = BilledSource.None, ChargeMicros = 0 };
        var promised = new AdmittedReceipt(receiptId, requestId, "key:" + key.Id, key.AccountId, "kp_0123456789abcdef", "openai",
            "chat", "gpt-4o-mini", new byte[32], 180, 198, now);
        await store.RecordAdmissionAsync(admitted, promised, CancellationToken.None);

        var receipt = new StoredReceipt(receiptId, "key:" + key.Id, key.AccountId, now, body, null);
        await store.RecordUsageAsync(usage, LedgerEntry.ChargeFor(usage, "bench"), receipt, CancellationToken.None);
        await leaves.AddAsync(receiptId);
    }

    private static (long Wchar, long Syscw) ReadIo()
    {
        long wchar = 0, syscw = 0;
        foreach (string line in File.ReadLines("/proc/self/io"))
        {
            if (line.StartsWith("wchar:", StringComparison.Ordinal))
            {
                wchar = long.Parse(line.AsSpan(6).Trim(), CultureInfo.InvariantCulture);
            }
            else if (line.StartsWith("syscw:", StringComparison.Ordinal))
            {
                syscw = long.Parse(line.AsSpan(6).Trim(), CultureInfo.InvariantCulture);
            }
        }

        return (wchar, syscw);
    }

    /// <summary>The log appender's writes: the leaf indices of stored receipts, 64 at a time.</summary>
    private sealed class Leaves(SqliteStore store)
    {
        private readonly Lock _gate = new();
        private List<(string Id, long LeafIndex)> _pending = new(64);
        private long _next;

        public Task AddAsync(string receiptId)
        {
            List<(string, long)>? full = null;
            lock (_gate)
            {
                _pending.Add((receiptId, _next++));
                if (_pending.Count == 64)
                {
                    full = _pending;
                    _pending = new(64);
                }
            }

            return full is null ? Task.CompletedTask : store.SetLeafIndicesAsync(full, CancellationToken.None);
        }

        public Task FlushAsync()
        {
            List<(string, long)> rest;
            lock (_gate)
            {
                rest = _pending;
                _pending = new(64);
            }

            return rest.Count == 0 ? Task.CompletedTask : store.SetLeafIndicesAsync(rest, CancellationToken.None);
        }
    }
}
