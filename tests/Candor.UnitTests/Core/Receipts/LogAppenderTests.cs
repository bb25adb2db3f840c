using System.Collections.Concurrent;
using System.Text;
using Candor.Core.Admission;
using Candor.Core.Receipts;
using Candor.Core.Transparency;
using Microsoft.Extensions.Logging.Abstractions;

namespace Candor.UnitTests.Core.Receipts;

/// <summary>The receipt log appender takes receipts in batches: every append of a batch is queued before any is
/// awaited (so the log journal writes them with one fsync), and the batch's leaf indices are stored in one write.</summary>
public sealed class LogAppenderTests
{
    [Fact]
    public async Task Backlog_IsAppendedInBatches_WithEveryLeafIndexRecorded()
    {
        var store = new CountingStore();
        var receipts = new List<StoredReceipt>();
        for (int i = 0; i < 2_500; i++)
        {
            var r = new StoredReceipt($"rcpt_{i:D5}", "config:test", null, DateTimeOffset.UnixEpoch.AddSeconds(i), Encoding.UTF8.GetBytes($"{{\"n\":{i}}}"), null);
            receipts.Add(r);
            await store.SaveAsync(r, CancellationToken.None);
        }

        await using var log = new BatchingLog(failEntry: null);
        using var signer = ReceiptSigner.CreateEphemeral("test.example/receipts");
        using var service = new ReceiptService(signer, store, KeyHasher.CreateEphemeral(), TimeProvider.System, NullLogger<ReceiptService>.Instance, log: log);
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var appender = service.RunLogAppenderAsync(stop.Token);
        await WaitUntilAsync(() => store.Logged == receipts.Count, stop.Token);
        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => appender);

        // Every receipt's leaf index names the log entry holding its own leaf, and no index is used twice.
        var seen = new HashSet<long>();
        foreach (var r in receipts)
        {
            var stored = (await store.GetAsync(r.Id, CancellationToken.None))!;
            Assert.NotNull(stored.LeafIndex);
            Assert.True(seen.Add(stored.LeafIndex!.Value));
            Assert.Equal(ReceiptService.LeafOf(r.Body), log.Entries[(int)stored.LeafIndex.Value]);
        }

        // 2,500 receipts in batches of at most 1,024: three index writes, and the appends of a batch were in flight together.
        Assert.Equal(3, store.IndexWrites);
        Assert.True(log.MostInFlight > 1, $"appends were awaited one by one (most in flight: {log.MostInFlight})");
    }

    [Fact]
    public async Task FailedAppend_LeavesOnlyThatReceiptUnlogged()
    {
        var store = new CountingStore();
        for (int i = 0; i < 10; i++)
        {
            await store.SaveAsync(new StoredReceipt($"rcpt_{i}", "config:test", null, DateTimeOffset.UnixEpoch.AddSeconds(i), [(byte)('a' + i)], null), CancellationToken.None);
        }

        await using var log = new BatchingLog(failEntry: ReceiptService.LeafOf([(byte)'e']));
        using var signer = ReceiptSigner.CreateEphemeral("test.example/receipts");
        using var service = new ReceiptService(signer, store, KeyHasher.CreateEphemeral(), TimeProvider.System, NullLogger<ReceiptService>.Instance, log: log);
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var appender = service.RunLogAppenderAsync(stop.Token);
        await WaitUntilAsync(() => store.Logged == 9, stop.Token);
        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => appender);

        var unlogged = await store.ListUnloggedAsync(100, CancellationToken.None);
        Assert.Equal("rcpt_4", Assert.Single(unlogged).Id);
    }

    [Fact]
    public async Task HostedService_AppendsTheBacklogThenEachQueuedReceipt_StopsCleanly()
    {
        var store = new CountingStore();
        var old = new StoredReceipt("rcpt_old", "config:test", null, DateTimeOffset.UnixEpoch, [(byte)'o'], null);
        await store.SaveAsync(old, CancellationToken.None);
        await using var log = new BatchingLog(failEntry: null);
        using var appender = new ReceiptLogAppender(store, log, NullLogger.Instance);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));

        await appender.StartAsync(timeout.Token);
        await WaitUntilAsync(() => store.Logged >= 1, timeout.Token);
        var fresh = new StoredReceipt("rcpt_new", "config:test", null, DateTimeOffset.UnixEpoch.AddSeconds(1), [(byte)'n'], null);
        await store.SaveAsync(fresh, CancellationToken.None);
        appender.Enqueue(fresh.Id, fresh.Body);
        await WaitUntilAsync(() => store.Logged >= 2, timeout.Token);
        await appender.StopAsync(timeout.Token).WaitAsync(timeout.Token);

        Assert.Equal([ReceiptLogAppender.LeafOf(old.Body), ReceiptLogAppender.LeafOf(fresh.Body)], log.Entries);
        Assert.Empty(await store.ListUnloggedAsync(10, CancellationToken.None));
    }

    [Fact]
    public async Task WithoutALog_EnqueueIsIgnored_AndTheServiceEndsAtOnce()
    {
        var store = new CountingStore();
        using var appender = new ReceiptLogAppender(store, null, NullLogger.Instance);
        appender.Enqueue("rcpt_1", [(byte)'x']);
        await appender.RunAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(0, store.IndexWrites);
    }

    [Fact]
    public async Task ReceiptsArrivingWithinTheWindow_ShareOneJournalBatchAndOneIndexWrite()
    {
        var store = new CountingStore();
        await using var log = new BatchingLog(failEntry: null);
        var clock = new Microsoft.Extensions.Time.Testing.FakeTimeProvider();
        using var appender = new ReceiptLogAppender(store, log, NullLogger.Instance, clock);
        Assert.Equal(ReceiptLogAppender.MaxWindow, appender.Window); // a tenth of the 1 s merge delay, capped at 100 ms
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await appender.StartAsync(timeout.Token);

        // The first receipt opens the window; four more arrive while it is open (the clock has not moved).
        var receipts = Enumerable.Range(0, 5)
            .Select(i => new StoredReceipt($"rcpt_{i}", "config:test", null, DateTimeOffset.UnixEpoch.AddSeconds(i), [(byte)('a' + i)], null))
            .ToList();
        foreach (var r in receipts)
        {
            await store.SaveAsync(r, CancellationToken.None);
        }

        appender.Enqueue(receipts[0].Id, receipts[0].Body);
        await Task.Delay(30, timeout.Token);
        foreach (var r in receipts.Skip(1))
        {
            appender.Enqueue(r.Id, r.Body);
        }

        // Only now does the window close.
        while (store.Logged < 5)
        {
            clock.Advance(appender.Window);
            await Task.Delay(10, timeout.Token);
        }

        await appender.StopAsync(timeout.Token).WaitAsync(timeout.Token);

        Assert.Equal(1, store.IndexWrites);
        Assert.Equal(receipts.Select(static r => ReceiptLogAppender.LeafOf(r.Body)), log.Entries);
    }

    private static async Task WaitUntilAsync(Func<bool> condition, CancellationToken cancellationToken)
    {
        while (!condition())
        {
            await Task.Delay(10, cancellationToken);
        }
    }

    /// <summary>The memory store, counting index writes.</summary>
    private sealed class CountingStore : IReceiptStore
    {
        private readonly MemoryReceiptStore _inner = new(100_000);
        private int _logged;
        private int _indexWrites;

        public int Logged => Volatile.Read(ref _logged);

        public int IndexWrites => Volatile.Read(ref _indexWrites);

        public Task SaveAsync(StoredReceipt receipt, CancellationToken cancellationToken) => _inner.SaveAsync(receipt, cancellationToken);

        public Task<StoredReceipt?> GetAsync(string id, CancellationToken cancellationToken) => _inner.GetAsync(id, cancellationToken);

        public async Task SetLeafIndicesAsync(IReadOnlyList<(string Id, long LeafIndex)> indices, CancellationToken cancellationToken)
        {
            await _inner.SetLeafIndicesAsync(indices, cancellationToken);
            Interlocked.Increment(ref _indexWrites);
            Interlocked.Add(ref _logged, indices.Count);
        }

        public Task<IReadOnlyList<StoredReceipt>> ListUnloggedAsync(int limit, CancellationToken cancellationToken) => _inner.ListUnloggedAsync(limit, cancellationToken);
    }

    /// <summary>A log that, like the journal, completes every waiting append together (here every millisecond) and
    /// records how many were waiting at once; one entry can be made to fail.</summary>
    private sealed class BatchingLog : ITransparencyLog, IAsyncDisposable
    {
        private readonly ConcurrentQueue<(byte[] Entry, TaskCompletionSource<long> Done)> _waiting = new();
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _loop;
        private readonly byte[]? _failEntry;

        public BatchingLog(byte[]? failEntry)
        {
            _failEntry = failEntry;
            _loop = Task.Run(async () =>
            {
                while (!_stop.IsCancellationRequested)
                {
                    MostInFlight = Math.Max(MostInFlight, _waiting.Count);
                    while (_waiting.TryDequeue(out var item))
                    {
                        if (_failEntry is not null && item.Entry.AsSpan().SequenceEqual(_failEntry))
                        {
                            item.Done.SetException(new IOException("journal write failed"));
                            continue;
                        }

                        Entries.Add(item.Entry);
                        item.Done.SetResult(Entries.Count - 1);
                    }

                    await Task.Delay(1);
                }
            });
        }

        public List<byte[]> Entries { get; } = [];

        public int MostInFlight { get; private set; }

        public TimeSpan MaxMergeDelay => TimeSpan.FromSeconds(1);

        public string Origin => "test.example/log";

        public ValueTask<long> AppendAsync(ReadOnlyMemory<byte> entry, CancellationToken cancellationToken)
        {
            var done = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiting.Enqueue((entry.ToArray(), done));
            return new ValueTask<long>(done.Task);
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            await _loop;
            _stop.Dispose();
        }
    }
}
