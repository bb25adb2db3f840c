using System.Buffers;
using System.Collections.Concurrent;
using System.Text.Json;
using System.Threading.Channels;
using Candor.Core.Accounting;
using Candor.Core.Accounts;
using Candor.Core.Configuration;
using Candor.Core.Security;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Candor.Core.Privacy;

/// <summary>Opt-in history, written off the hot path: a request of an account with history on hands its
/// <see cref="HistoryCapture"/> to a bounded in-memory queue (never waiting; a full queue drops the entry and
/// counts it), and this background writer encrypts batches under the account's data key and appends them. It also
/// purges expired entries every minute, exports an account's entries and erases them by destroying the data key.
/// Clear data keys live only in this process's memory.</summary>
internal sealed class HistoryRecorder(IPrivacyStore store, PrivacyDirectory directory, Func<MasterKeyRing> ring, TimeProvider time, ILogger<HistoryRecorder> logger)
    : BackgroundService
{
    /// <summary>Entries waiting to be written at most; beyond it new entries are dropped (the response never waits).</summary>
    public const int QueueCapacity = 4096;

    private static readonly TimeSpan PurgeInterval = TimeSpan.FromMinutes(1);

    /// <summary>How long a stop waits for the queued entries to be written.</summary>
    public static readonly TimeSpan DrainTimeout = TimeSpan.FromSeconds(5);

    private readonly Channel<HistoryCapture> _queue = Channel.CreateBounded<HistoryCapture>(
        new BoundedChannelOptions(QueueCapacity) { FullMode = BoundedChannelFullMode.Wait, SingleReader = true });

    private readonly ConcurrentDictionary<string, (string Id, byte[] Key)> _keys = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _writing = new(1, 1);
    private readonly List<HistoryCapture> _batch = new(64);
    private long _pending;
    private long _dropped;

    /// <summary>Entries dropped because the queue was full.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Starts capturing a request of <paramref name="key"/> when its account keeps history (and the server
    /// allows it); null otherwise, which is the default.</summary>
    public HistoryCapture? Begin(CandorConfig config, ApiKeyRecord key, string requestId, string surface, string model, ReadOnlySpan<byte> body)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(key);
        if (config.Privacy.Retention != RetentionMode.AccountHistory)
        {
            return null;
        }

        var account = directory.ForAccount(key.AccountId);
        if (!account.HistoryEnabled)
        {
            return null;
        }

        int days = Math.Min(account.HistoryRetentionDays ?? config.Privacy.HistoryRetentionDays, config.Privacy.HistoryRetentionDays);
        return new HistoryCapture(this, key.AccountId, key.Id, requestId, surface, model, body.ToArray(), time.GetUtcNow(), days);
    }

    internal void Enqueue(HistoryCapture capture)
    {
        Interlocked.Increment(ref _pending);
        if (!_queue.Writer.TryWrite(capture))
        {
            Interlocked.Decrement(ref _pending);
            Interlocked.Increment(ref _dropped);
            logger.HistoryDropped(capture.RequestId);
        }
    }

    /// <summary>Waits until every entry queued so far is written (tests and export use it).</summary>
    public async Task FlushAsync(CancellationToken cancellationToken)
    {
        while (Interlocked.Read(ref _pending) > 0)
        {
            await Task.Delay(10, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The account's entries, newest first, decrypted: one JSON object per entry (shape in docs/privacy.md).</summary>
    public async Task<IReadOnlyList<byte[]>> ExportAsync(string accountId, int limit, CancellationToken cancellationToken)
    {
        await FlushAsync(cancellationToken).ConfigureAwait(false);
        var entries = await store.ListHistoryAsync(accountId, limit, cancellationToken).ConfigureAwait(false);
        return await OpenAsync(accountId, entries, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>One page of the account's entries, newest first, decrypted, with the cursor of the next page
    /// (<see cref="IPrivacyStore.ListHistoryPageAsync"/>).</summary>
    public async Task<Page<byte[]>> ExportPageAsync(string accountId, int limit, string? cursor, CancellationToken cancellationToken)
    {
        await FlushAsync(cancellationToken).ConfigureAwait(false);
        var page = await store.ListHistoryPageAsync(accountId, limit, cursor, cancellationToken).ConfigureAwait(false);
        return new Page<byte[]>(await OpenAsync(accountId, page.Items, cancellationToken).ConfigureAwait(false), page.NextCursor);
    }

    /// <summary>Decrypts the entries sealed under the account's live data key (earlier keys were erased with their entries).</summary>
    private async Task<IReadOnlyList<byte[]>> OpenAsync(string accountId, IReadOnlyList<HistoryEntry> entries, CancellationToken cancellationToken)
    {
        if (entries.Count == 0 || await DataKeyAsync(accountId, create: false, cancellationToken).ConfigureAwait(false) is not { } key)
        {
            return [];
        }

        var result = new List<byte[]>(entries.Count);
        foreach (var e in entries)
        {
            if (e.DataKeyId == key.Id)
            {
                result.Add(HistoryCipher.Open(key.Key, e.Sealed, HistoryCipher.EntryBinding(e.AccountId, e.Id, e.DataKeyId)));
            }
        }

        return result;
    }

    /// <summary>Crypto-shredding: forgets the clear data key, destroys the sealed one and deletes the entries.
    /// Entries queued before the call are written (and so erased) first.</summary>
    public async Task<int> EraseAsync(string accountId, CancellationToken cancellationToken)
    {
        await FlushAsync(cancellationToken).ConfigureAwait(false);
        await _writing.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_keys.TryRemove(accountId, out var cached))
            {
                Array.Clear(cached.Key);
            }

            return await store.EraseHistoryAsync(accountId, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _writing.Release();
        }
    }

    /// <inheritdoc/>
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var purge = PurgeLoopAsync(stoppingToken);
        var batch = _batch;
        try
        {
            while (await _queue.Reader.WaitToReadAsync(stoppingToken).ConfigureAwait(false))
            {
                while (batch.Count < 64 && _queue.Reader.TryRead(out var item))
                {
                    batch.Add(item);
                }

                await WriteBatchAsync(batch, stoppingToken).ConfigureAwait(false);
                Interlocked.Add(ref _pending, -batch.Count);
                batch.Clear();
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: the server has stopped taking requests; StopAsync writes what is still queued (and a batch
            // whose write was cut).
        }

        await purge.ConfigureAwait(false);
    }

    /// <summary>Stops the writer, then writes what is still queued, within <see cref="DrainTimeout"/> (history never
    /// holds a shutdown longer; what does not fit is counted as dropped and logged).</summary>
    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        // The writer loop has ended when this returns (or never ran, when the stop came first).
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
        if (ExecuteTask is { IsCompleted: false })
        {
            // The host's shutdown time ran out while the writer was still busy; it owns the batch, so no drain.
            return;
        }

        await DrainAsync(_batch).ConfigureAwait(false);
    }

    private async Task DrainAsync(List<HistoryCapture> batch)
    {
        using var timeout = new CancellationTokenSource(DrainTimeout, time);
        try
        {
            while (true)
            {
                while (batch.Count < 64 && _queue.Reader.TryRead(out var item))
                {
                    batch.Add(item);
                }

                if (batch.Count == 0)
                {
                    return;
                }

                await WriteBatchAsync(batch, timeout.Token).ConfigureAwait(false);
                Interlocked.Add(ref _pending, -batch.Count);
                batch.Clear();
            }
        }
        catch (OperationCanceledException)
        {
            int lost = batch.Count;
            while (_queue.Reader.TryRead(out _))
            {
                lost++;
            }

            Interlocked.Add(ref _pending, -lost);
            Interlocked.Add(ref _dropped, lost);
            logger.HistoryWriteFailed(lost, "stopped before the queue was written");
        }
    }

    private async Task WriteBatchAsync(List<HistoryCapture> batch, CancellationToken cancellationToken)
    {
        await _writing.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var entries = new List<HistoryEntry>(batch.Count);
            foreach (var capture in batch)
            {
                var key = (await DataKeyAsync(capture.AccountId, create: true, cancellationToken).ConfigureAwait(false))!.Value;
                string id = EntityIds.New("hist");
                byte[] plaintext = Serialize(capture);
                try
                {
                    entries.Add(new HistoryEntry(id, capture.AccountId, key.Id, capture.RequestId, capture.CreatedAt,
                        capture.CreatedAt.AddDays(capture.RetentionDays), HistoryCipher.Seal(key.Key, plaintext, HistoryCipher.EntryBinding(capture.AccountId, id, key.Id))));
                }
                finally
                {
                    Array.Clear(plaintext);
                }
            }

            await store.AppendHistoryAsync(entries, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.HistoryWriteFailed(batch.Count, e.GetType().Name);
        }
        finally
        {
            _writing.Release();
        }
    }

    private async Task<(string Id, byte[] Key)?> DataKeyAsync(string accountId, bool create, CancellationToken cancellationToken)
    {
        if (_keys.TryGetValue(accountId, out var cached))
        {
            return cached;
        }

        var stored = await store.GetHistoryKeyAsync(accountId, cancellationToken).ConfigureAwait(false);
        if (stored is null)
        {
            if (!create)
            {
                return null;
            }

            var (candidate, clear) = HistoryCipher.NewDataKey(ring(), accountId);
            Array.Clear(clear);
            stored = await store.AddHistoryKeyAsync(candidate, cancellationToken).ConfigureAwait(false);
        }

        var opened = (stored.Id, HistoryCipher.OpenDataKey(ring(), stored));
        _keys[accountId] = opened;
        return opened;
    }

    private async Task PurgeLoopAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(PurgeInterval, time);
        try
        {
            do
            {
                try
                {
                    await store.PurgeHistoryAsync(time.GetUtcNow(), stoppingToken).ConfigureAwait(false);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    logger.HistoryPurgeFailed(e.GetType().Name);
                }
            }
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }
    }

    /// <summary>The entry's plaintext: <c>{request_id, created_at, key_id, surface, model, served_model, outcome,
    /// truncated, request, response: {text, tool_calls: [{name, arguments}], embeddings?: {count, dimensions}}}</c>.</summary>
    private static byte[] Serialize(HistoryCapture c)
    {
        var buffer = new ArrayBufferWriter<byte>(c.Request.Length + c.Text.Length + 512);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("request_id", c.RequestId);
            w.WriteNumber("created_at", c.CreatedAt.ToUnixTimeMilliseconds());
            w.WriteString("key_id", c.KeyId);
            w.WriteString("surface", c.Surface);
            w.WriteString("model", c.Model);
            if (c.ServedModel is { } served)
            {
                w.WriteString("served_model", served);
            }

            w.WriteString("outcome", Relay.RelayOutcome.Receipt(c.Outcome));
            w.WriteBoolean("truncated", c.Truncated);
            w.WritePropertyName("request");
            try
            {
                w.WriteRawValue(c.Request, skipInputValidation: false);
            }
            catch (JsonException)
            {
                w.WriteBase64StringValue(c.Request);
            }

            w.WriteStartObject("response");
            w.WriteString("text", c.Text);
            w.WriteStartArray("tool_calls");
            foreach (var (name, arguments) in c.Tools)
            {
                w.WriteStartObject();
                w.WriteString("name", name);
                w.WriteString("arguments", arguments.ToString());
                w.WriteEndObject();
            }

            w.WriteEndArray();
            if (c.Embeddings is { } count)
            {
                w.WriteStartObject("embeddings");
                w.WriteNumber("count", count);
                w.WriteNumber("dimensions", c.Dimensions);
                w.WriteEndObject();
            }

            w.WriteEndObject();
            w.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <inheritdoc/>
    public override void Dispose()
    {
        _writing.Dispose();
        base.Dispose();
    }
}
