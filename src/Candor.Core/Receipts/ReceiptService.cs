using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using System.Threading.Channels;
using Candor.Core.Accounting;
using Candor.Core.Accounts;
using Candor.Core.Admission;
using Candor.Core.Relay;
using Candor.Core.Transparency;
using Candor.Protocols.Buffers;
using Candor.Protocols.Canonical;
using Microsoft.Extensions.Logging;

namespace Candor.Core.Receipts;

/// <summary>Signs, stores and logs one receipt per relayed request. <see cref="Begin"/> opens the draft (and sets the
/// <c>x-candor-receipt</c> header); the relay seals it with <see cref="SealAsync"/> before it flushes the bytes that
/// complete the response, so no delivered response lacks a stored receipt. The transparency-log append runs in
/// the background (<see cref="RunLogAppenderAsync"/>) from the stored receipts.</summary>
public sealed class ReceiptService : IDisposable
{
    /// <summary>The response header carrying the receipt id.</summary>
    public const string Header = "x-candor-receipt";

    /// <summary>The receipt format version.</summary>
    public const int Version = 1;

    /// <summary>How many owners' pseudonyms are cached before the cache starts over.</summary>
    private const int PseudonymCacheLimit = 100_000;

    /// <summary>The per-thread buffer a receipt is written and signed in (signing is synchronous).</summary>
    [ThreadStatic]
    private static PooledBufferWriter? t_buffer;

    private readonly ReceiptSigner _signer;
    private readonly IReceiptStore _store;
    private readonly KeyHasher _pseudonyms;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ITransparencyLog? _log;
    private readonly Admission.StoreHealth? _health;
    private readonly Channel<(string Id, byte[] Leaf)> _pending = Channel.CreateUnbounded<(string, byte[])>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Meter? _meter;
    private readonly Counter<long>? _signed;
    private readonly Counter<long>? _flags;
    private readonly Histogram<double>? _sealTime;
    private readonly byte[] _signatureHead;
    private readonly ConcurrentDictionary<string, Owner> _storedOwners = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Owner> _configOwners = new(StringComparer.Ordinal);
    private int _cachedOwners;

    /// <summary>Creates the service.</summary>
    /// <param name="signer">The relay's receipt key.</param>
    /// <param name="store">Where receipts are kept.</param>
    /// <param name="pseudonyms">The keyed hash for pseudonymous key ids (the server secret's, with a data directory).</param>
    /// <param name="time">The clock.</param>
    /// <param name="logger">The logger.</param>
    /// <param name="meterFactory">Metrics (optional).</param>
    /// <param name="log">The transparency log (optional until it is configured).</param>
    /// <param name="health">The durable store's health, fed by every receipt write (with a data directory).</param>
    public ReceiptService(ReceiptSigner signer, IReceiptStore store, KeyHasher pseudonyms, TimeProvider time, ILogger<ReceiptService> logger,
        IMeterFactory? meterFactory = null, ITransparencyLog? log = null, Admission.StoreHealth? health = null)
    {
        _health = health;
        _signer = signer;
        _store = store;
        _pseudonyms = pseudonyms;
        _time = time;
        _logger = logger;
        _log = log;
        _signatureHead = SignatureHead(signer);
        if (meterFactory is not null)
        {
            _meter = meterFactory.Create("Candor.Receipts");
            _signed = _meter.CreateCounter<long>("candor.receipts.signed", description: "Receipts signed and stored, by outcome");
            _flags = _meter.CreateCounter<long>("candor.audit.flags", description: "Audit flags raised on receipts, by flag and channel");
            _sealTime = _meter.CreateHistogram<double>("candor.receipts.seal.duration", "ms", "Time to build, sign and durably store a receipt");
        }
    }

    /// <summary>The signing key.</summary>
    public ReceiptSigner Signer => _signer;

    /// <summary>The store.</summary>
    public IReceiptStore Store => _store;

    /// <summary>The transparency log, when configured.</summary>
    public ITransparencyLog? Log => _log;

    /// <summary>Opens the request's receipt and sets its id in the response header.</summary>
    /// <param name="context">The request.</param>
    /// <param name="clientBody">The client's body as received.</param>
    public ReceiptDraft Begin(RelayContext context, ReadOnlySpan<byte> clientBody)
    {
        ArgumentNullException.ThrowIfNull(context);
        var caller = context.Caller;
        var owner = caller?.Key is { } key ? OwnerOf(_storedOwners, key.Id, "key:") : OwnerOf(_configOwners, caller?.Name ?? "-", "config:");
        var draft = new ReceiptDraft(NewId(), context.RequestId, context.SurfaceName, owner.Id, caller?.Key?.AccountId, owner.Pseudonym, clientBody);
        context.Receipt = draft;
        context.SetHeader(Header, draft.Id);
        return draft;
    }

    /// <summary>The pseudonymous key id for an owner: 32 hex digits of HMAC-SHA256 under the server secret.</summary>
    public string Pseudonym(string ownerId) => _pseudonyms.Hash("receipt-owner:" + ownerId)[..32].ToLowerInvariant();

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

    /// <summary>Runs the audits, signs the receipt and stores it; once per request (later calls return the first
    /// seal's result). Called before the flush that completes the response, after settlement. True when the receipt
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

        Audit(draft, meter);
        var now = _time.GetUtcNow();
        var body = Sign(draft, context, meter, charge, outcome, status, now);
        var stored = new StoredReceipt(draft.Id, draft.OwnerId, draft.AccountId, now, body, null);
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

            draft.Stored = true;
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

        if (_log is not null)
        {
            _pending.Writer.TryWrite((draft.Id, LeafOf(body)));
        }

        _signed?.Add(1, new KeyValuePair<string, object?>("outcome", outcome));
        _sealTime?.Record(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        foreach (string flag in draft.Flags)
        {
            _flags?.Add(1, new("flag", flag), new("channel", draft.Channel?.Id ?? "-"));
            _logger.AuditFlagRaised(draft.RequestId, draft.Channel?.Id ?? "-", flag, draft.Id);
        }

        return true;
    }

    /// <summary>Seals the receipt of a request the last process admitted and never settled (a crash): outcome
    /// <c>interrupted</c>, status 0 (whether an answer began is unknown), the prompt count kept, the output delivered
    /// unknown (0) and nothing charged, as its usage record says (docs/fail-closed.md, "Crash"). Signed with the receipt
    /// key like every receipt; dated when sealed. The caller stores it; the log appender appends stored receipts.</summary>
    public StoredReceipt SealInterrupted(AdmittedReceipt admitted)
    {
        ArgumentNullException.ThrowIfNull(admitted);
        using var draft = new ReceiptDraft(admitted);
        var now = _time.GetUtcNow();
        var body = Sign(draft, null, new ReceiptMetering(admitted.CountedInput, 0, null, 0, null), ReceiptOutcome.Interrupted, 0, now);
        return new StoredReceipt(draft.Id, draft.OwnerId, draft.AccountId, now, body, null);
    }

    /// <summary>The transparency-log leaf of a signed receipt: SHA-256 of its bytes (32 bytes; no user content).</summary>
    public static byte[] LeafOf(ReadOnlySpan<byte> signedReceipt) => SHA256.HashData(signedReceipt);

    /// <summary>The most receipts the log appender takes in one batch.</summary>
    internal const int AppendBatch = 1024;

    /// <summary>Appends stored receipts to the transparency log: first those a crash left unlogged, then each new one.
    /// Receipts waiting are taken together: their appends share the log journal's write and fsync, and their leaf
    /// indices are stored in one transaction, so the appender's cost per receipt falls as the load rises.
    /// Runs until <paramref name="stoppingToken"/> is cancelled; does nothing without a log.</summary>
    public async Task RunLogAppenderAsync(CancellationToken stoppingToken)
    {
        if (_log is null)
        {
            return;
        }

        var backlog = await _store.ListUnloggedAsync(100_000, stoppingToken).ConfigureAwait(false);
        if (backlog.Count > 0)
        {
            _logger.LogBacklog(backlog.Count);
            foreach (var chunk in backlog.Chunk(AppendBatch))
            {
                await AppendAsync([.. chunk.Select(static r => (r.Id, LeafOf(r.Body)))], stoppingToken).ConfigureAwait(false);
            }
        }

        var batch = new List<(string Id, byte[] Leaf)>(64);
        var reader = _pending.Reader;
        while (await reader.WaitToReadAsync(stoppingToken).ConfigureAwait(false))
        {
            batch.Clear();
            while (batch.Count < AppendBatch && reader.TryRead(out var item))
            {
                batch.Add(item);
            }

            await AppendAsync(batch, stoppingToken).ConfigureAwait(false);
        }
    }

    private async Task AppendAsync(List<(string Id, byte[] Leaf)> batch, CancellationToken cancellationToken)
    {
        // Every append is queued before any is awaited, so the journal writes them together (its group commit).
        var appends = new Task<long>[batch.Count];
        for (int i = 0; i < batch.Count; i++)
        {
            appends[i] = AppendOneAsync(batch[i].Leaf, cancellationToken);
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
    private Task<long> AppendOneAsync(byte[] leaf, CancellationToken cancellationToken)
    {
        try
        {
            return _log!.AppendAsync(leaf, cancellationToken).AsTask();
        }
#pragma warning disable CA1031 // Reported to the awaiting loop, which logs it.
        catch (Exception e)
#pragma warning restore CA1031
        {
            return Task.FromException<long>(e);
        }
    }

    /// <summary>The served-model and billing audits (parameter integrity runs when the request is forwarded).</summary>
    private static void Audit(ReceiptDraft draft, RequestMeter? meter)
    {
        if (draft.Channel is { } channel && (draft.ExpectedModel ?? draft.UpstreamModel) is { } expected
            && !ServedModelAudit.Matches(expected, draft.ReportedModel, channel.Provider, declared: draft.ExpectedModel is not null))
        {
            draft.Flag(AuditFlags.ServedModelMismatch);
        }

        if (meter?.Decision is { ExceedsTolerance: true })
        {
            draft.Flag(AuditFlags.UsageDiscrepancy);
        }
    }

    /// <summary>Writes the receipt directly in canonical form (RFC 8785: members in sorted order, minimal escapes),
    /// signs those bytes and wraps them; returns the signed receipt's bytes:
    /// <c>{"receipt":{…},"signature":{"alg":"Ed25519","key_id":…,"key_name":…,"sig":…}}</c>, itself canonical.
    /// No JSON is parsed: the unit tests check that the output equals its own <see cref="Jcs"/> canonicalization.</summary>
    internal byte[] Sign(ReceiptDraft draft, RelayContext context, RequestMeter? meter, long? charge, string outcome, int status, DateTimeOffset now)
    {
        ReceiptMetering? metering = meter is null ? null : new ReceiptMetering(
            meter.PromptCount, meter.Output.Count, meter.Decision is { IsFree: false } decision ? decision.Billed : null, charge, meter.Price);
        return Sign(draft, draft.ReportedUsage ?? meter?.Reported, metering, outcome, status, now);
    }

    /// <summary>The receipt of <paramref name="draft"/> with the given figures, signed (see the other overload).</summary>
    internal byte[] Sign(ReceiptDraft draft, Usage? reported, ReceiptMetering? metering, string outcome, int status, DateTimeOffset now)
    {
        var w = t_buffer ??= new PooledBufferWriter(4096);
        w.Clear();
        try
        {
            w.Write("{\"receipt\":"u8);
            int start = w.WrittenCount;
            WriteReceipt(w, draft, reported, metering, outcome, status, now, _log is null ? null : _log.Origin, _log is null ? 0 : (long)Math.Ceiling(_log.MaxMergeDelay.TotalSeconds));
            Span<byte> signature = stackalloc byte[ReceiptSigner.SignatureLength];
            _signer.Sign(w.WrittenSpan[start..], signature);
            w.Write(_signatureHead);
            CanonicalJsonWriter.Base64String(w, signature);
            w.Write("}}"u8);
            return w.WrittenSpan.ToArray();
        }
        finally
        {
            if (w.DangerousArray.Length > 64 * 1024)
            {
                // A receipt is about 1.5 KB; a huge one (long upstream ids) does not pin its buffer to the thread.
                w.Dispose();
                t_buffer = null;
            }
        }
    }

    /// <summary>Canonicalizes <paramref name="receiptJson"/> and wraps it with its signature (for receipt JSON built
    /// elsewhere; the relay writes canonical bytes directly).</summary>
    public static byte[] SignCanonical(ReceiptSigner signer, ReadOnlySpan<byte> receiptJson)
    {
        ArgumentNullException.ThrowIfNull(signer);
        using var output = new PooledBufferWriter(receiptJson.Length + 256);
        output.Write("{\"receipt\":"u8);
        int start = output.WrittenCount;
        Jcs.Canonicalize(receiptJson, output);
        Span<byte> signature = stackalloc byte[ReceiptSigner.SignatureLength];
        signer.Sign(output.WrittenSpan[start..], signature);
        output.Write(SignatureHead(signer));
        CanonicalJsonWriter.Base64String(output, signature);
        output.Write("}}"u8);
        return output.WrittenSpan.ToArray();
    }

    /// <summary>The envelope between the receipt and the signature's base64: <c>,"signature":{"alg":"Ed25519","key_id":"…","key_name":"…","sig":</c>.</summary>
    private static byte[] SignatureHead(ReceiptSigner signer)
    {
        using var w = new PooledBufferWriter(256);
        w.Write(",\"signature\":{\"alg\":\"Ed25519\",\"key_id\":"u8);
        CanonicalJsonWriter.String(w, signer.KeyId);
        w.Write(",\"key_name\":"u8);
        CanonicalJsonWriter.String(w, signer.Name);
        w.Write(",\"sig\":"u8);
        return w.WrittenSpan.ToArray();
    }

    /// <summary>The receipt object in RFC 8785 form. Members are written in canonical order: sorted by their names'
    /// UTF-16 code units (all ASCII here, and <c>_</c> sorts before letters); a new member goes in its sorted place.</summary>
    internal static void WriteReceipt(PooledBufferWriter w, ReceiptDraft d, Usage? reported, ReceiptMetering? metering, string outcome, int status,
        DateTimeOffset now, string? logOrigin, long logMaxMergeDelaySeconds)
    {
        w.Write("{\"attempts\":"u8);
        CanonicalJsonWriter.Number(w, d.Attempts);

        w.Write(",\"channel\":"u8);
        if (d.Channel is { } channel)
        {
            w.Write("{\"data_policy\":{\"region\":"u8);
            CanonicalJsonWriter.String(w, channel.DataPolicy.Region);
            w.Write(",\"retention\":"u8);
            CanonicalJsonWriter.String(w, EnumNames<Privacy.UpstreamRetention>.Of(channel.DataPolicy.Retention));
            w.Write(",\"training\":"u8);
            CanonicalJsonWriter.String(w, EnumNames<Privacy.TrainingUse>.Of(channel.DataPolicy.Training));
            w.Write("},\"id\":"u8);
            CanonicalJsonWriter.String(w, channel.Id);
            w.Write(",\"provider\":"u8);
            CanonicalJsonWriter.String(w, channel.Provider);
            w.Write(",\"region\":"u8);
            CanonicalJsonWriter.String(w, channel.Region);
            w.Write("}"u8);
        }
        else
        {
            w.Write("null"u8);
        }

        w.Write(",\"charge\":"u8);
        if (metering is { } m)
        {
            w.Write("{\"micros\":"u8);
            if (m.ChargeMicros is { } micros)
            {
                CanonicalJsonWriter.Number(w, micros);
            }
            else
            {
                w.Write("null"u8);
            }

            w.Write(",\"price\":"u8);
            if (m.Price is { } price)
            {
                w.Write("{\"cached_input_per_million_micros\":"u8);
                CanonicalJsonWriter.Number(w, price.CachedInputPerMillion);
                w.Write(",\"input_per_million_micros\":"u8);
                CanonicalJsonWriter.Number(w, price.InputPerMillion);
                w.Write(",\"output_per_million_micros\":"u8);
                CanonicalJsonWriter.Number(w, price.OutputPerMillion);
                w.Write(",\"per_request_micros\":"u8);
                CanonicalJsonWriter.Number(w, price.PerRequest);
                w.Write("}"u8);
            }
            else
            {
                w.Write("null"u8);
            }

            w.Write("}"u8);
        }
        else
        {
            w.Write("null"u8);
        }

        w.Write(",\"flags\":["u8);
        var flags = d.FlagList;
        for (int i = 0; i < flags.Count; i++)
        {
            if (i > 0)
            {
                w.Write(","u8);
            }

            CanonicalJsonWriter.String(w, flags[i]);
        }

        w.Write("],\"forwarded\":"u8);
        if (d.ForwardedSha256 is { } forwarded)
        {
            w.Write("{\"bytes\":"u8);
            CanonicalJsonWriter.Number(w, d.ForwardedBytes);
            w.Write(",\"sha256\":"u8);
            CanonicalJsonWriter.Hex(w, forwarded);
            w.Write("}"u8);
        }
        else
        {
            w.Write("null"u8);
        }

        w.Write(",\"id\":"u8);
        CanonicalJsonWriter.String(w, d.Id);
        w.Write(",\"key\":"u8);
        CanonicalJsonWriter.String(w, d.Pseudonym);
        w.Write(",\"kind\":"u8); // added after v1 shipped; absent means chat (docs/receipts.md)
        CanonicalJsonWriter.String(w, d.Kind);

        w.Write(",\"log\":"u8);
        if (logOrigin is not null)
        {
            w.Write("{\"max_merge_delay_s\":"u8);
            CanonicalJsonWriter.Number(w, logMaxMergeDelaySeconds);
            w.Write(",\"origin\":"u8);
            CanonicalJsonWriter.String(w, logOrigin);
            w.Write("}"u8);
        }
        else
        {
            w.Write("null"u8);
        }

        w.Write(",\"metering\":"u8); // added after v1 shipped (MeteringKind)
        CanonicalJsonWriter.String(w, MeteringKind.Of(d, metered: metering is not null));
        w.Write(",\"model\":{\"expected\":"u8); // added after v1 shipped: a deployment's declared served_model
        CanonicalJsonWriter.String(w, d.ExpectedModel);
        w.Write(",\"reported\":"u8);
        CanonicalJsonWriter.String(w, d.ReportedModel);
        w.Write(",\"requested\":"u8);
        CanonicalJsonWriter.String(w, d.RequestedModel);
        w.Write(",\"upstream\":"u8);
        CanonicalJsonWriter.String(w, d.UpstreamModel);

        w.Write("},\"outcome\":"u8);
        CanonicalJsonWriter.String(w, outcome);
        w.Write(",\"path\":"u8);
        CanonicalJsonWriter.String(w, d.Path);

        w.Write(",\"request\":{\"bytes\":"u8);
        CanonicalJsonWriter.Number(w, d.RequestBytes);
        w.Write(",\"sha256\":"u8);
        CanonicalJsonWriter.Hex(w, d.RequestSha256);
        w.Write("},\"request_id\":"u8);
        CanonicalJsonWriter.String(w, d.RequestId);

        w.Write(",\"response\":{\"delivered_bytes\":"u8);
        CanonicalJsonWriter.Number(w, d.DeliveredBytes);
        w.Write(",\"delivered_sha256\":"u8);
        Span<byte> digest = stackalloc byte[32];
        d.DeliveredSha256(digest);
        CanonicalJsonWriter.Hex(w, digest);
        w.Write(",\"upstream_bytes\":"u8);
        CanonicalJsonWriter.Number(w, d.UpstreamBytes);
        w.Write(",\"upstream_sha256\":"u8);
        if (d.UpstreamSha256(digest))
        {
            CanonicalJsonWriter.Hex(w, digest);
        }
        else
        {
            w.Write("null"u8);
        }

        w.Write("},\"status\":"u8);
        CanonicalJsonWriter.Number(w, status);
        w.Write(",\"surface\":"u8);
        CanonicalJsonWriter.String(w, d.Surface);
        w.Write(",\"time\":"u8);
        CanonicalJsonWriter.Time(w, now);

        w.Write(",\"transformations\":["u8);
        bool first = true;
        foreach (var list in (ReadOnlySpan<List<Transformation>>)[d.RequestTransformations, d.AttemptTransformations])
        {
            foreach (var t in list)
            {
                if (!first)
                {
                    w.Write(","u8);
                }

                first = false;
                w.Write("{\"detail\":"u8);
                CanonicalJsonWriter.String(w, t.Detail);
                w.Write(",\"kind\":"u8);
                CanonicalJsonWriter.String(w, t.Kind);
                w.Write(",\"target\":"u8);
                CanonicalJsonWriter.String(w, t.Target);
                w.Write("}"u8);
            }
        }

        w.Write("],\"upstream\":{\"response_id\":"u8);
        CanonicalJsonWriter.String(w, d.UpstreamResponseId);
        w.Write(",\"system_fingerprint\":"u8);
        CanonicalJsonWriter.String(w, d.SystemFingerprint);

        w.Write("},\"usage\":{\"billed\":"u8);
        if (metering is { } billedBy)
        {
            WriteUsage(w, billedBy.Billed);
            w.Write(",\"counted\":{\"input_tokens\":"u8);
            CanonicalJsonWriter.Number(w, billedBy.CountedInput);
            w.Write(",\"output_tokens\":"u8);
            CanonicalJsonWriter.Number(w, billedBy.CountedOutput);
            w.Write("}"u8);
        }
        else
        {
            // Configuration keys are not metered: Candor did not count.
            w.Write("null,\"counted\":null"u8);
        }

        w.Write(",\"reported\":"u8);
        WriteUsage(w, reported);
        w.Write("},\"v\":"u8);
        CanonicalJsonWriter.Number(w, Version);
        w.Write("}"u8);
    }

    private static void WriteUsage(PooledBufferWriter w, Usage? usage)
    {
        if (usage is null)
        {
            w.Write("null"u8);
            return;
        }

        w.Write("{\"cache_write_input_tokens\":"u8);
        CanonicalJsonWriter.NumberOrNull(w, usage.CacheWriteInputTokens);
        w.Write(",\"cached_input_tokens\":"u8);
        CanonicalJsonWriter.NumberOrNull(w, usage.CachedInputTokens);
        w.Write(",\"input_tokens\":"u8);
        CanonicalJsonWriter.NumberOrNull(w, usage.InputTokens);
        w.Write(",\"output_tokens\":"u8);
        CanonicalJsonWriter.NumberOrNull(w, usage.OutputTokens);
        w.Write(",\"reasoning_tokens\":"u8);
        CanonicalJsonWriter.NumberOrNull(w, usage.ReasoningTokens);
        w.Write(",\"total_tokens\":"u8);
        CanonicalJsonWriter.NumberOrNull(w, usage.TotalTokens);
        w.Write("}"u8);
    }

    /// <summary>A time-ordered receipt id (<c>rcpt_</c> and 28 hex digits), so the receipts table's key index grows
    /// at its right edge (<see cref="EntityIds.NewOrdered"/>).</summary>
    private string NewId() => EntityIds.NewOrdered("rcpt", _time.GetUtcNow());

    /// <summary>Who owns a receipt and the pseudonym printed on it.</summary>
    private sealed record Owner(string Id, string Pseudonym);

    /// <inheritdoc/>
    public void Dispose()
    {
        _meter?.Dispose();
        _pending.Writer.TryComplete();
    }
}
