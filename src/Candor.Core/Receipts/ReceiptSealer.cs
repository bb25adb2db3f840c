using Candor.Core.Relay;
using Candor.Core.Transparency;
using Candor.Protocols.Buffers;
using Candor.Protocols.Canonical;

namespace Candor.Core.Receipts;

/// <summary>Seals receipts: runs the served-model and billing audits, writes the receipt in canonical form
/// (<see cref="ReceiptWriter"/>), signs those bytes with the relay's receipt key and wraps them with the signature.
/// Pure: it stores nothing.</summary>
/// <param name="signer">The relay's receipt key.</param>
/// <param name="log">The transparency log whose origin and merge delay each receipt names (optional).</param>
/// <param name="time">The clock that dates receipts.</param>
internal sealed class ReceiptSealer(ReceiptSigner signer, ITransparencyLog? log, TimeProvider time)
{
    /// <summary>The per-thread buffer a receipt is written and signed in (signing is synchronous).</summary>
    [ThreadStatic]
    private static PooledBufferWriter? t_buffer;

    private readonly byte[] _signatureHead = SignatureHead(signer);

    /// <summary>The signing key.</summary>
    public ReceiptSigner Signer => signer;

    /// <summary>Audits, signs and dates (now) the receipt of a relayed request.</summary>
    public StoredReceipt Seal(ReceiptDraft draft, RequestMeter? meter, long? charge, string outcome, int status)
    {
        Audit(draft, meter);
        var now = time.GetUtcNow();
        var body = Sign(draft, meter, charge, outcome, status, now);
        return new StoredReceipt(draft.Id, draft.OwnerId, draft.AccountId, now, body, null);
    }

    /// <summary>Audits and dates (now) the receipt of a relayed request, and hands its canonical bytes to
    /// <paramref name="batch"/>, which signs it alone or with the receipts sealed at the same time (one signature over
    /// their Merkle root). Without a batch signer, or when no batch could form (<see cref="ReceiptBatchSigner.ShouldBatch"/>),
    /// it signs at once on this thread (<see cref="Seal"/>), in the same format as a receipt the loop signs alone.</summary>
    public Task<StoredReceipt> SealAsync(ReceiptDraft draft, RequestMeter? meter, long? charge, string outcome, int status, ReceiptBatchSigner? batch)
    {
        if (batch is not { ShouldBatch: true })
        {
            return Task.FromResult(Seal(draft, meter, charge, outcome, status));
        }

        Audit(draft, meter);
        var now = time.GetUtcNow();
        var receipt = new PooledBufferWriter(2048);
        try
        {
            ReceiptWriter.WriteReceipt(receipt, draft, draft.ReportedUsage ?? meter?.Reported, Metering(meter, charge), outcome, status, now,
                log?.Origin, MergeDelaySeconds);
        }
        catch
        {
            receipt.Dispose();
            throw;
        }

        return batch.SignAsync(receipt, draft, now);
    }

    /// <summary>Seals the receipt of a request the last process admitted and never settled (a crash): outcome
    /// <c>interrupted</c>, status 0 (whether an answer began is unknown), the prompt count kept, the output delivered
    /// unknown (0) and nothing charged, as its usage record says (docs/fail-closed.md, "Crash"). Dated when sealed.</summary>
    public StoredReceipt SealInterrupted(AdmittedReceipt admitted)
    {
        using var draft = new ReceiptDraft(admitted);
        var now = time.GetUtcNow();
        var body = Sign(draft, null, new ReceiptMetering(admitted.CountedInput, 0, null, 0, null), ReceiptOutcome.Interrupted, 0, now);
        return new StoredReceipt(draft.Id, draft.OwnerId, draft.AccountId, now, body, null);
    }

    /// <summary>The served-model and billing audits (parameter integrity runs when the request is forwarded).</summary>
    internal static void Audit(ReceiptDraft draft, RequestMeter? meter)
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

        if (meter?.Decision is { BilledLesser: true })
        {
            draft.Flag(AuditFlags.BilledLesser);
        }
    }

    /// <summary>The signed receipt of a relayed request with the meter's figures (none for an unmetered key).</summary>
    internal byte[] Sign(ReceiptDraft draft, RequestMeter? meter, long? charge, string outcome, int status, DateTimeOffset now)
    {
        return Sign(draft, draft.ReportedUsage ?? meter?.Reported, Metering(meter, charge), outcome, status, now);
    }

    /// <summary>The meter's figures as the receipt states them (none for an unmetered key).</summary>
    private static ReceiptMetering? Metering(RequestMeter? meter, long? charge) => meter is null ? null : new ReceiptMetering(
        meter.PromptCount, meter.Output.Count, meter.Decision is { IsFree: false } decision ? decision.Billed : null, charge, meter.Price, meter.Media);

    /// <summary>The log's merge delay in whole seconds, as receipts state it (0 without a log).</summary>
    private long MergeDelaySeconds => log is null ? 0 : (long)Math.Ceiling(log.MaxMergeDelay.TotalSeconds);

    /// <summary>Writes the receipt directly in canonical form (RFC 8785: members in sorted order, minimal escapes),
    /// signs those bytes and wraps them; returns the signed receipt's bytes:
    /// <c>{"receipt":{…},"signature":{"alg":"Ed25519","key_id":…,"key_name":…,"sig":…}}</c>, itself canonical.
    /// No JSON is parsed: the unit tests check that the output equals its own <see cref="Jcs"/> canonicalization.</summary>
    internal byte[] Sign(ReceiptDraft draft, Usage? reported, ReceiptMetering? metering, string outcome, int status, DateTimeOffset now)
    {
        var w = t_buffer ??= new PooledBufferWriter(4096);
        w.Clear();
        try
        {
            w.Write("{\"receipt\":"u8);
            int start = w.WrittenCount;
            ReceiptWriter.WriteReceipt(w, draft, reported, metering, outcome, status, now, log?.Origin, MergeDelaySeconds);
            Span<byte> signature = stackalloc byte[ReceiptSigner.SignatureLength];
            signer.Sign(w.WrittenSpan[start..], signature);
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
    internal static byte[] SignatureHead(ReceiptSigner signer)
    {
        using var w = new PooledBufferWriter(256);
        w.Write(",\"signature\":{\"alg\":\"Ed25519\",\"key_id\":"u8);
        CanonicalJsonWriter.String(w, signer.KeyId);
        w.Write(",\"key_name\":"u8);
        CanonicalJsonWriter.String(w, signer.Name);
        w.Write(",\"sig\":"u8);
        return w.WrittenSpan.ToArray();
    }
}
