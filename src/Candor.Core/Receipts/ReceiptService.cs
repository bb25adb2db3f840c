using System.Buffers;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using System.Threading.Channels;
using Candor.Core.Accounting;
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

    private static readonly TimeSpan StoreTimeout = TimeSpan.FromSeconds(30);

    private readonly ReceiptSigner _signer;
    private readonly IReceiptStore _store;
    private readonly KeyHasher _pseudonyms;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ITransparencyLog? _log;
    private readonly Channel<(string Id, byte[] Leaf)> _pending = Channel.CreateUnbounded<(string, byte[])>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Meter? _meter;
    private readonly Counter<long>? _signed;
    private readonly Counter<long>? _flags;
    private readonly Histogram<double>? _sealTime;

    /// <summary>Creates the service.</summary>
    /// <param name="signer">The relay's receipt key.</param>
    /// <param name="store">Where receipts are kept.</param>
    /// <param name="pseudonyms">The keyed hash for pseudonymous key ids (the server secret's, with a data directory).</param>
    /// <param name="time">The clock.</param>
    /// <param name="logger">The logger.</param>
    /// <param name="meterFactory">Metrics (optional).</param>
    /// <param name="log">The transparency log (optional until it is configured).</param>
    public ReceiptService(ReceiptSigner signer, IReceiptStore store, KeyHasher pseudonyms, TimeProvider time, ILogger<ReceiptService> logger,
        IMeterFactory? meterFactory = null, ITransparencyLog? log = null)
    {
        _signer = signer;
        _store = store;
        _pseudonyms = pseudonyms;
        _time = time;
        _logger = logger;
        _log = log;
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
        var caller = context.Http.Features.Get<Caller>();
        string owner = caller?.Key is { } key ? "key:" + key.Id : "config:" + (caller?.Name ?? "-");
        var draft = new ReceiptDraft(NewId(), context.RequestId, context.SurfaceName, owner, caller?.Key?.AccountId, Pseudonym(owner), clientBody);
        context.Receipt = draft;
        context.Http.Response.Headers[Header] = draft.Id;
        return draft;
    }

    /// <summary>The pseudonymous key id for an owner: 32 hex digits of HMAC-SHA256 under the server secret.</summary>
    public string Pseudonym(string ownerId) => _pseudonyms.Hash("receipt-owner:" + ownerId)[..32].ToLowerInvariant();

    /// <summary>Runs the audits, signs the receipt and stores it; once per request (later calls do nothing). Called
    /// before the flush that completes the response, after settlement.</summary>
    public async Task SealAsync(RelayContext context, string outcome, int status)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.Receipt is not { } draft || !draft.TrySeal())
        {
            return;
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
        var body = Sign(draft, context, meter, charge, outcome, status, _time.GetUtcNow());
        var stored = new StoredReceipt(draft.Id, draft.OwnerId, draft.AccountId, _time.GetUtcNow(), body, null);
        try
        {
            using var timeout = new CancellationTokenSource(StoreTimeout);
            await _store.SaveAsync(stored, timeout.Token).ConfigureAwait(false);
        }
#pragma warning disable CA1031 // A failed write must not break the response; it is logged.
        catch (Exception e)
#pragma warning restore CA1031
        {
            _logger.ReceiptStoreFailed(draft.Id, e.GetType().Name);
            return;
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
    }

    /// <summary>The transparency-log leaf of a signed receipt: SHA-256 of its bytes (32 bytes; no user content).</summary>
    public static byte[] LeafOf(ReadOnlySpan<byte> signedReceipt) => SHA256.HashData(signedReceipt);

    /// <summary>Appends stored receipts to the transparency log: first those a crash left unlogged, then each new one.
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
            foreach (var r in backlog)
            {
                await AppendAsync(r.Id, LeafOf(r.Body), stoppingToken).ConfigureAwait(false);
            }
        }

        await foreach (var (id, leaf) in _pending.Reader.ReadAllAsync(stoppingToken).ConfigureAwait(false))
        {
            await AppendAsync(id, leaf, stoppingToken).ConfigureAwait(false);
        }
    }

    private async Task AppendAsync(string id, byte[] leaf, CancellationToken cancellationToken)
    {
        try
        {
            long index = await _log!.AppendAsync(leaf, cancellationToken).ConfigureAwait(false);
            await _store.SetLeafIndexAsync(id, index, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
#pragma warning disable CA1031 // Logged; the receipt stays unlogged in the store and is retried at the next start.
        catch (Exception e)
#pragma warning restore CA1031
        {
            _logger.LogAppendFailed(id, e.GetType().Name);
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

    /// <summary>Builds the receipt JSON, canonicalizes it and signs it; returns the signed receipt's bytes:
    /// <c>{"receipt":{…},"signature":{"alg":"Ed25519","key_id":…,"key_name":…,"sig":…}}</c>, itself canonical.</summary>
    internal byte[] Sign(ReceiptDraft draft, RelayContext context, RequestMeter? meter, long? charge, string outcome, int status, DateTimeOffset now)
    {
        using var raw = new PooledBufferWriter(2048);
        using (var w = new Utf8JsonWriter((IBufferWriter<byte>)raw))
        {
            Write(w, draft, context, meter, charge, outcome, status, now, _log);
        }

        return SignCanonical(_signer, raw.WrittenSpan);
    }

    /// <summary>Canonicalizes <paramref name="receiptJson"/> and wraps it with its signature.</summary>
    public static byte[] SignCanonical(ReceiptSigner signer, ReadOnlySpan<byte> receiptJson)
    {
        ArgumentNullException.ThrowIfNull(signer);
        using var canonical = new PooledBufferWriter(receiptJson.Length + 64);
        Jcs.Canonicalize(receiptJson, canonical);
        Span<byte> signature = stackalloc byte[ReceiptSigner.SignatureLength];
        signer.Sign(canonical.WrittenSpan, signature);
        var output = new ArrayBufferWriter<byte>(canonical.WrittenCount + 256);
        Ascii(output, "{\"receipt\":");
        output.Write(canonical.WrittenSpan);
        Ascii(output, ",\"signature\":{\"alg\":\"Ed25519\",\"key_id\":\"");
        Ascii(output, signer.KeyId);
        Ascii(output, "\",\"key_name\":");
        Jcs.WriteString(signer.Name, output);
        Ascii(output, ",\"sig\":\"");
        Ascii(output, Convert.ToBase64String(signature));
        Ascii(output, "\"}}");
        return output.WrittenSpan.ToArray();
    }

    private static void Write(Utf8JsonWriter w, ReceiptDraft d, RelayContext context, RequestMeter? meter, long? charge, string outcome, int status, DateTimeOffset now, ITransparencyLog? log)
    {
        w.WriteStartObject();
        w.WriteNumber("v", Version);
        w.WriteString("id", d.Id);
        w.WriteString("request_id", d.RequestId);
        w.WriteString("time", now.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture));
        w.WriteString("key", d.Pseudonym);
        w.WriteString("surface", d.Surface);
        w.WriteString("kind", d.Kind); // added after v1 shipped; absent means chat (docs/receipts.md)
        w.WriteString("outcome", outcome);
        w.WriteNumber("status", status);
        w.WriteString("path", d.Path);
        w.WriteNumber("attempts", d.Attempts);

        w.WriteStartObject("request");
        w.WriteString("sha256", Convert.ToHexStringLower(d.RequestSha256));
        w.WriteNumber("bytes", d.RequestBytes);
        w.WriteEndObject();

        if (d.ForwardedSha256 is { } forwarded)
        {
            w.WriteStartObject("forwarded");
            w.WriteString("sha256", Convert.ToHexStringLower(forwarded));
            w.WriteNumber("bytes", d.ForwardedBytes);
            w.WriteEndObject();
        }
        else
        {
            w.WriteNull("forwarded");
        }

        w.WriteStartArray("transformations");
        foreach (var t in d.Transformations)
        {
            w.WriteStartObject();
            w.WriteString("kind", t.Kind);
            w.WriteString("target", t.Target);
            w.WriteString("detail", t.Detail);
            w.WriteEndObject();
        }

        w.WriteEndArray();

        if (d.Channel is { } channel)
        {
            w.WriteStartObject("channel");
            w.WriteString("id", channel.Id);
            w.WriteString("provider", channel.Provider);
            w.WriteString("region", channel.Region);
            w.WriteStartObject("data_policy");
            w.WriteString("region", channel.DataPolicy.Region);
            w.WriteString("retention", channel.DataPolicy.Retention.ToString().ToLowerInvariant());
            w.WriteString("training", channel.DataPolicy.Training.ToString().ToLowerInvariant());
            w.WriteEndObject();
            w.WriteEndObject();
        }
        else
        {
            w.WriteNull("channel");
        }

        w.WriteStartObject("model");
        Str(w, "requested", d.RequestedModel);
        Str(w, "upstream", d.UpstreamModel);
        Str(w, "reported", d.ReportedModel);
        Str(w, "expected", d.ExpectedModel); // added after v1 shipped: a deployment's declared served_model (Azure)
        w.WriteEndObject();

        w.WriteStartObject("upstream");
        Str(w, "response_id", d.UpstreamResponseId);
        Str(w, "system_fingerprint", d.SystemFingerprint);
        w.WriteEndObject();

        w.WriteStartObject("response");
        Str(w, "upstream_sha256", d.UpstreamSha256() is { } up ? Convert.ToHexStringLower(up) : null);
        w.WriteNumber("upstream_bytes", d.UpstreamBytes);
        w.WriteString("delivered_sha256", Convert.ToHexStringLower(d.DeliveredSha256()));
        w.WriteNumber("delivered_bytes", d.DeliveredBytes);
        w.WriteEndObject();

        w.WriteString("metering", ReceiptMetering.Of(d, meter)); // added after v1 shipped; see ReceiptMetering
        w.WriteStartObject("usage");
        WriteUsage(w, "reported", d.ReportedUsage ?? meter?.Reported);
        if (meter is not null)
        {
            w.WriteStartObject("counted");
            w.WriteNumber("input_tokens", meter.PromptCount);
            w.WriteNumber("output_tokens", meter.Output.Count);
            w.WriteEndObject();
            WriteUsage(w, "billed", meter.Decision is { IsFree: false } decision ? decision.Billed : null);
        }
        else
        {
            // Configuration keys are not metered: Candor did not count.
            w.WriteNull("counted");
            w.WriteNull("billed");
        }

        w.WriteEndObject();

        if (meter is not null)
        {
            w.WriteStartObject("charge");
            if (charge is { } micros)
            {
                w.WriteNumber("micros", micros);
            }
            else
            {
                w.WriteNull("micros");
            }

            if (meter.Price is { } price)
            {
                w.WriteStartObject("price");
                w.WriteNumber("input_per_million_micros", price.InputPerMillion);
                w.WriteNumber("output_per_million_micros", price.OutputPerMillion);
                w.WriteNumber("cached_input_per_million_micros", price.CachedInputPerMillion);
                w.WriteNumber("per_request_micros", price.PerRequest);
                w.WriteEndObject();
            }
            else
            {
                w.WriteNull("price");
            }

            w.WriteEndObject();
        }
        else
        {
            w.WriteNull("charge");
        }

        w.WriteStartArray("flags");
        foreach (string flag in d.Flags)
        {
            w.WriteStringValue(flag);
        }

        w.WriteEndArray();

        if (log is not null)
        {
            w.WriteStartObject("log");
            w.WriteString("origin", log.Origin);
            w.WriteNumber("max_merge_delay_s", (long)Math.Ceiling(log.MaxMergeDelay.TotalSeconds));
            w.WriteEndObject();
        }
        else
        {
            w.WriteNull("log");
        }

        w.WriteEndObject();
    }

    private static void WriteUsage(Utf8JsonWriter w, string name, Usage? usage)
    {
        if (usage is null)
        {
            w.WriteNull(name);
            return;
        }

        w.WriteStartObject(name);
        Int(w, "input_tokens", usage.InputTokens);
        Int(w, "output_tokens", usage.OutputTokens);
        Int(w, "cached_input_tokens", usage.CachedInputTokens);
        Int(w, "cache_write_input_tokens", usage.CacheWriteInputTokens);
        Int(w, "reasoning_tokens", usage.ReasoningTokens);
        Int(w, "total_tokens", usage.TotalTokens);
        w.WriteEndObject();
    }

    private static void Int(Utf8JsonWriter w, string name, int? value)
    {
        if (value is { } v)
        {
            w.WriteNumber(name, v);
        }
        else
        {
            w.WriteNull(name);
        }
    }

    private static void Str(Utf8JsonWriter w, string name, string? value)
    {
        if (value is null)
        {
            w.WriteNull(name);
        }
        else
        {
            w.WriteString(name, value);
        }
    }

    private static void Ascii(ArrayBufferWriter<byte> output, string text)
    {
        var span = output.GetSpan(text.Length);
        for (int i = 0; i < text.Length; i++)
        {
            span[i] = (byte)text[i];
        }

        output.Advance(text.Length);
    }

    private static string NewId()
    {
        Span<byte> b = stackalloc byte[12];
        RandomNumberGenerator.Fill(b);
        return "rcpt_" + Convert.ToHexStringLower(b);
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        _meter?.Dispose();
        _pending.Writer.TryComplete();
    }
}
