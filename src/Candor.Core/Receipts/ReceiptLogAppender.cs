using System.Security.Cryptography;
using System.Threading.Channels;
using Candor.Core.Transparency;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Candor.Core.Receipts;

/// <summary>Appends stored receipts to the transparency log, in the background: first those a crash left unlogged, then
/// each one queued (<see cref="Enqueue"/>) once it is stored. Receipts waiting are taken together: their appends share
/// the log journal's write and fsync, and their leaf indices are stored in one transaction, so the cost per receipt
/// falls as the load rises. Once a receipt arrives the appender gathers for <see cref="Window"/> before it takes the
/// batch: the journal's fsync and the store's commit (which queues behind the settlements on the one writer) are then
/// paid a few times a second rather than once per handful of requests. Nothing waits for the appender: the receipt is
/// already durable in its settlement, and the window is a tenth of the merge delay it promises. Does nothing without a
/// log, nor with one that sequences the stored receipts itself.</summary>
internal sealed class ReceiptLogAppender : BackgroundService
{
    /// <summary>The most receipts taken in one batch.</summary>
    internal const int AppendBatch = 1024;

    /// <summary>The most unlogged receipts read back at the start.</summary>
    private const int BacklogLimit = 100_000;

    private readonly IReceiptStore _store;
    private readonly ITransparencyLog? _log;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly Channel<(string Id, byte[] Leaf)> _pending = Channel.CreateUnbounded<(string, byte[])>(new UnboundedChannelOptions { SingleReader = true });

    /// <param name="store">Where the receipts and their leaf indices are kept.</param>
    /// <param name="log">The transparency log (optional until it is configured).</param>
    /// <param name="logger">The logger.</param>
    /// <param name="time">The clock of the gathering window (the system's by default).</param>
    public ReceiptLogAppender(IReceiptStore store, ITransparencyLog? log, ILogger logger, TimeProvider? time = null)
    {
        _store = store;
        _log = log;
        _logger = logger;
        _time = time ?? TimeProvider.System;
        Window = log is null ? TimeSpan.Zero : Min(log.MaxMergeDelay / 10, MaxWindow);
    }

    /// <summary>The longest gathering window, whatever the merge delay.</summary>
    internal static readonly TimeSpan MaxWindow = TimeSpan.FromMilliseconds(100);

    /// <summary>How long the appender gathers receipts after the first arrives: a tenth of the log's merge delay, at most
    /// <see cref="MaxWindow"/> (100 ms with the default delay of 1 s).</summary>
    internal TimeSpan Window { get; }

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    /// <summary>The transparency-log leaf of a signed receipt: SHA-256 of its bytes (32 bytes; no user content).</summary>
    public static byte[] LeafOf(ReadOnlySpan<byte> signedReceipt) => SHA256.HashData(signedReceipt);

    /// <summary>Queues a stored receipt for the log (nothing without a log).</summary>
    public void Enqueue(string id, ReadOnlySpan<byte> signedReceipt)
    {
        if (_log is { SequencesStoredReceipts: false })
        {
            _pending.Writer.TryWrite((id, LeafOf(signedReceipt)));
        }
    }

    /// <summary>Stops taking receipts (those queued and not appended are appended at the next start, from the store).</summary>
    public void Complete() => _pending.Writer.TryComplete();

    /// <inheritdoc/>
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await RunAsync(stoppingToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping.
        }
    }

    /// <summary>The appender's loop: the backlog, then each queued receipt. Runs until <paramref name="stoppingToken"/>
    /// is cancelled (which it throws) or the queue is completed.</summary>
    public async Task RunAsync(CancellationToken stoppingToken)
    {
        if (_log is null or { SequencesStoredReceipts: true })
        {
            return;
        }

        var backlog = await _store.ListUnloggedAsync(BacklogLimit, stoppingToken).ConfigureAwait(false);
        if (backlog.Count > 0)
        {
            _logger.LogBacklog(backlog.Count);
            foreach (var chunk in backlog.Chunk(AppendBatch))
            {
                await AppendAsync([.. chunk.Select(static r => (r.Id, LeafOf(r.Body)))], _log, stoppingToken).ConfigureAwait(false);
            }
        }

        var batch = new List<(string Id, byte[] Leaf)>(64);
        var reader = _pending.Reader;
        while (await reader.WaitToReadAsync(stoppingToken).ConfigureAwait(false))
        {
            // The single-reader channel cannot count its items: the window is always waited.
            if (Window > TimeSpan.Zero)
            {
                await Task.Delay(Window, _time, stoppingToken).ConfigureAwait(false);
            }

            batch.Clear();
            while (batch.Count < AppendBatch && reader.TryRead(out var item))
            {
                batch.Add(item);
            }

            await AppendAsync(batch, _log, stoppingToken).ConfigureAwait(false);
        }
    }

    private async Task AppendAsync(List<(string Id, byte[] Leaf)> batch, ITransparencyLog log, CancellationToken cancellationToken)
    {
        // Every append is queued before any is awaited, so the journal writes them together (its group commit).
        var appends = new Task<long>[batch.Count];
        for (int i = 0; i < batch.Count; i++)
        {
            appends[i] = AppendOneAsync(log, batch[i].Leaf, cancellationToken);
        }

        var indices = new List<(string Id, long LeafIndex)>(batch.Count);
        for (int i = 0; i < batch.Count; i++)
        {
            try
            {
                indices.Add((batch[i].Id, await appends[i].ConfigureAwait(false)));
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                throw;
            }
#pragma warning disable CA1031 // Logged; the receipt stays unlogged in the store and is retried at the next start.
            catch (Exception e)
#pragma warning restore CA1031
            {
                _logger.LogAppendFailed(batch[i].Id, e.GetType().Name);
            }
        }

        if (indices.Count == 0)
        {
            return;
        }

        try
        {
            await _store.SetLeafIndicesAsync(indices, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
#pragma warning disable CA1031 // Logged; the receipts stay unlogged in the store and are retried at the next start.
        catch (Exception e)
#pragma warning restore CA1031
        {
            _logger.LogAppendFailed(indices[0].Id, e.GetType().Name);
        }
    }

    /// <summary>One append; a synchronous failure becomes a faulted task, so the batch's other appends still run.</summary>
    private static Task<long> AppendOneAsync(ITransparencyLog log, byte[] leaf, CancellationToken cancellationToken)
    {
        try
        {
            return log.AppendAsync(leaf, cancellationToken).AsTask();
        }
#pragma warning disable CA1031 // Reported to the awaiting loop, which logs it.
        catch (Exception e)
#pragma warning restore CA1031
        {
            return Task.FromException<long>(e);
        }
    }
}
