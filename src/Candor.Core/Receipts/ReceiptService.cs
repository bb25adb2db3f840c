using System.Diagnostics;
using System.Diagnostics.Metrics;
using Candor.Core.Accounting;
using Candor.Core.Accounts;
using Candor.Core.Admission;
using Candor.Core.Relay;
using Candor.Core.Transparency;
using Microsoft.Extensions.Logging;

namespace Candor.Core.Receipts;

/// <summary>One receipt per relayed request, from its parts: <see cref="ReceiptDraftBuilder"/> opens the draft (and sets
/// the <c>x-candor-receipt</c> header), <see cref="ReceiptSealer"/> audits and signs it, the store keeps it (with the
/// request's usage record and charge, in one write, when the request is metered), <see cref="ReceiptLogAppender"/>
/// appends it to the transparency log in the background and <see cref="ReceiptMetrics"/> counts it. The relay seals
/// before it flushes the bytes that complete the response, so no delivered response lacks a stored receipt.</summary>
internal sealed class ReceiptService : IDisposable
{
    /// <summary>The response header carrying the receipt id.</summary>
    public const string Header = "x-candor-receipt";

    /// <summary>The receipt format version.</summary>
    public const int Version = ReceiptWriter.Version;

    private readonly IReceiptStore _store;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Admission.StoreHealth? _health;
    private readonly ReceiptDraftBuilder _drafts;
    private readonly ReceiptSealer _sealer;
    private readonly ReceiptBatchSigner? _batch;
    private readonly ReceiptLogAppender _appender;
    private readonly ReceiptMetrics _metrics;

    /// <summary>Creates the service.</summary>
    /// <param name="signer">The relay's receipt key.</param>
    /// <param name="store">Where receipts are kept.</param>
    /// <param name="pseudonyms">The keyed hash for pseudonymous key ids (the server secret's, with a data directory).</param>
    /// <param name="time">The clock.</param>
    /// <param name="logger">The logger.</param>
    /// <param name="meterFactory">Metrics (optional).</param>
    /// <param name="log">The transparency log (optional until it is configured).</param>
    /// <param name="health">The durable store's health, fed by every receipt write (with a data directory).</param>
    /// <param name="signingBatch">The most receipts under one signature (<see cref="ReceiptBatchSigner"/>); 1 signs every
    /// receipt alone on the request's own thread, as before batch signing (benchmarks compare the two).</param>
    public ReceiptService(ReceiptSigner signer, IReceiptStore store, KeyHasher pseudonyms, TimeProvider time, ILogger<ReceiptService> logger,
        IMeterFactory? meterFactory = null, ITransparencyLog? log = null, Admission.StoreHealth? health = null, int signingBatch = ReceiptBatchSigner.MaxBatch)
    {
        _store = store;
        _time = time;
        _logger = logger;
        _health = health;
        Log = log;
        _drafts = new ReceiptDraftBuilder(pseudonyms, time);
        _sealer = new ReceiptSealer(signer, log, time);
        _batch = signingBatch > 1 ? new ReceiptBatchSigner(signer, signingBatch) : null;
        // The appender's gathering window runs on the system clock: a batching pause, not a time any receipt states (a
        // test's manual clock would hold every receipt back).
        _appender = new ReceiptLogAppender(store, log, logger);
        _metrics = new ReceiptMetrics(meterFactory, logger);
    }

    /// <summary>The signing key.</summary>
    public ReceiptSigner Signer => _sealer.Signer;

    /// <summary>The store.</summary>
    public IReceiptStore Store => _store;

    /// <summary>The loop that signs receipts in batches (null when every receipt is signed alone).</summary>
    internal ReceiptBatchSigner? BatchSigner => _batch;

    /// <summary>The transparency log, when configured.</summary>
    public ITransparencyLog? Log { get; }

    /// <summary>The background service appending stored receipts to the transparency log (registered as a hosted service).</summary>
    internal ReceiptLogAppender Appender => _appender;

    /// <summary>Opens the request's receipt and sets its id in the response header.</summary>
    /// <param name="context">The request.</param>
    /// <param name="clientBody">The client's body as received.</param>
    public ReceiptDraft Begin(RelayContext context, ReadOnlySpan<byte> clientBody)
    {
        ArgumentNullException.ThrowIfNull(context);
        return _drafts.Begin(context, clientBody);
    }

    /// <summary>The pseudonymous key id for an owner: 32 hex digits of HMAC-SHA256 under the server secret.</summary>
    public string Pseudonym(string ownerId) => _drafts.Pseudonym(ownerId);

    /// <summary>Runs the audits, signs the receipt and stores it on its own; once per request (later calls return the
    /// first seal's result). Called before the flush that completes the response, after settlement. True when the receipt
    /// is stored (or there is none); false when it could not be made durable within
    /// <see cref="Admission.StoreHealth.WriteTimeout"/>: the caller then withholds the answer (docs/fail-closed.md).</summary>
    public async Task<bool> SealAsync(RelayContext context, string outcome, int status)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.Receipt is not { } draft)
        {
            return true;
        }

        if (!draft.TrySeal())
        {
            return draft.Stored;
        }

        using var span = CandorTracing.StartStage("candor.receipt");
        long started = Stopwatch.GetTimestamp();
        var meter = context.Meter;
        long? charge = null;
        if (meter is { Settled: true })
        {
            // The relay settles first (with the real outcome); this only reads the settlement's charge.
            try
            {
                charge = await meter.SettleAsync(StreamOutcome.NotStarted).ConfigureAwait(false);
            }
#pragma warning disable CA1031 // A failed settlement is logged by the gate; the receipt states no charge.
            catch (Exception)
#pragma warning restore CA1031
            {
                charge = null;
            }
        }

        var sealedReceipt = await _sealer.SealAsync(draft, meter, charge, outcome, status, _batch).ConfigureAwait(false);
        return await StoreAsync(draft, sealedReceipt, outcome, started).ConfigureAwait(false);
    }

    /// <summary>Settles the request's meter and seals its receipt in one durable write: the usage record, the charge,
    /// the deletion of the admission record and the signed receipt commit together or not at all
    /// (<see cref="ILedgerStore.RecordUsageAsync(UsageRecord, LedgerEntry?, StoredReceipt?, CancellationToken)"/>).
    /// Without a meter to settle here (none, or settled before) it settles that one and seals alone, as
    /// <see cref="SealAsync"/>. True when everything is stored; false when it was not (then nothing of the joint write
    /// is): the caller withholds the answer, and the admission record left in place gives the request its
    /// <c>interrupted</c> records at the next start.</summary>
    internal Task<bool> SettleAndSealAsync(RelayContext context, StreamOutcome settlement, string outcome, int status)
    {
        ArgumentNullException.ThrowIfNull(context);

        // No meter (receipts without metering, the bare path): the seal alone, without this method's two async layers
        // around it (a state machine and a continuation each per request).
        return context.Meter is null ? SealAsync(context, outcome, status) : SettleAndSealMeteredAsync(context, settlement, outcome, status);
    }

    private async Task<bool> SettleAndSealMeteredAsync(RelayContext context, StreamOutcome settlement, string outcome, int status)
    {
        if (context.Meter is not { Settled: false } meter || context.Receipt is not { } draft || !draft.TrySeal())
        {
            if (context.Meter is { } settled)
            {
                await settled.SettleAsync(settlement).ConfigureAwait(false);
                if (!settled.Recorded)
                {
                    return false;
                }
            }

            return await SealedOrWithheldAsync(context, SealAsync(context, outcome, status)).ConfigureAwait(false);
        }

        using var span = CandorTracing.StartStage("candor.receipt");
        long started = Stopwatch.GetTimestamp();
        Task<StoredReceipt>? sealing = null;
        await meter.SettleAsync(settlement, charge => sealing = _sealer.SealAsync(draft, meter, charge, outcome, status, _batch)).ConfigureAwait(false);
        if (sealing is null)
        {
            // Another caller settled the meter first (or the store is known to fail): the receipt is stored on its own.
            if (!meter.Recorded)
            {
                return false;
            }

            long? charge = await meter.SettleAsync(settlement).ConfigureAwait(false);
            var alone = await _sealer.SealAsync(draft, meter, charge, outcome, status, _batch).ConfigureAwait(false);
            return await SealedOrWithheldAsync(context, StoreAsync(draft, alone, outcome, started)).ConfigureAwait(false);
        }

        if (!meter.Recorded)
        {
            _logger.ReceiptNotStoredWithSettlement(draft.Id, draft.RequestId);
            return false;
        }

        // Recorded: the settlement awaited the signed receipt and stored it in its transaction.
        Stored(draft, await sealing.ConfigureAwait(false), outcome, started);
        return true;
    }

    /// <summary>The result of a receipt stored on its own after the settlement committed: when it could not be stored the
    /// answer is withheld, so the request's committed charge is handed to the recovery of withheld requests (refunded).</summary>
    private static async Task<bool> SealedOrWithheldAsync(RelayContext context, Task<bool> sealing)
    {
        bool stored = await sealing.ConfigureAwait(false);
        if (!stored && context.Meter is { Recorded: true } meter)
        {
            meter.Withhold();
        }

        return stored;
    }

    /// <summary>Seals the receipt of a request the last process admitted and never settled (a crash): see
    /// <see cref="ReceiptSealer.SealInterrupted"/>. The caller stores it; the log appender appends stored receipts.</summary>
    public StoredReceipt SealInterrupted(AdmittedReceipt admitted)
    {
        ArgumentNullException.ThrowIfNull(admitted);
        return _sealer.SealInterrupted(admitted);
    }

    /// <summary>The transparency-log leaf of a signed receipt: SHA-256 of its bytes (32 bytes; no user content).</summary>
    public static byte[] LeafOf(ReadOnlySpan<byte> signedReceipt) => ReceiptLogAppender.LeafOf(signedReceipt);

    /// <summary>Appends stored receipts to the transparency log (<see cref="ReceiptLogAppender.RunAsync"/>); the server
    /// runs the appender as a hosted service instead.</summary>
    public Task RunLogAppenderAsync(CancellationToken stoppingToken) => _appender.RunAsync(stoppingToken);

    /// <summary>Canonicalizes <paramref name="receiptJson"/> and wraps it with its signature (<see cref="ReceiptSealer.SignCanonical"/>).</summary>
    public static byte[] SignCanonical(ReceiptSigner signer, ReadOnlySpan<byte> receiptJson) => ReceiptSealer.SignCanonical(signer, receiptJson);

    /// <summary>Stores a sealed receipt on its own (a request without a meter, or one settled before its seal).</summary>
    private async Task<bool> StoreAsync(ReceiptDraft draft, StoredReceipt stored, string outcome, long started)
    {
        if (_health is { IsFailing: true })
        {
            // Fail fast while the store is known to fail: the request does not wait for a write that cannot commit
            // (the store's probe finds out when it works again).
            return false;
        }

        try
        {
            // The timer is armed only when the write did not complete at once (the memory store always does).
            var saving = _store.SaveAsync(stored, CancellationToken.None);
            if (!saving.IsCompleted)
            {
                await Admission.StoreHealth.WaitForWriteAsync(saving, _time).ConfigureAwait(false);
            }
            else
            {
                await saving.ConfigureAwait(false);
            }

            _health?.Succeeded();
        }
#pragma warning disable CA1031 // A failed write is a value (false): the relay withholds the answer.
        catch (Exception e)
#pragma warning restore CA1031
        {
            _logger.ReceiptStoreFailed(draft.Id, e.GetType().Name);
            _health?.Failed("receipt", e);
            return false;
        }

        Stored(draft, stored, outcome, started);
        return true;
    }

    /// <summary>After a receipt is stored: marks the draft, queues the receipt for the transparency log and records it.</summary>
    private void Stored(ReceiptDraft draft, StoredReceipt stored, string outcome, long started)
    {
        draft.Stored = true;
        _appender.Enqueue(draft.Id, stored.Body);
        _metrics.Stored(draft, outcome, Stopwatch.GetElapsedTime(started));
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        _batch?.Dispose();
        _metrics.Dispose();
        _appender.Complete();
    }
}
