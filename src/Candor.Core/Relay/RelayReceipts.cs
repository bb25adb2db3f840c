using System.Buffers;
using System.Globalization;
using Candor.Core.Accounting;
using Candor.Core.Receipts;
using Candor.Protocols.Buffers;
using Candor.Protocols.Canonical;

namespace Candor.Core.Relay;

/// <summary>The receipt steps every relayed endpoint shares (ChatRelay and AuxiliaryRelay): an error written through
/// the hashing output and sealed before its flush, settlement and seal in one durable write with the completing bytes held
/// until it committed, the seal of whatever a request left open, and the redaction counts listed on the receipt. All of them do nothing without
/// a <see cref="ReceiptService"/> or a draft.</summary>
public static class RelayReceipts
{
    /// <summary>Writes <paramref name="error"/> in the surface's envelope, settles and seals the receipt (with
    /// <paramref name="outcome"/>) before any of it reaches the response, then flushes. When the receipt could not be
    /// stored, its id is withdrawn from the headers (the error still goes out: it completes no answer). Nothing happens
    /// when the response has begun or the client left (the caller's final <see cref="SealRemainingAsync"/> seals).</summary>
    public static async Task WriteErrorAsync(RelayContext context, Surface surface, RelayError error, ReceiptService? receipts, string outcome)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(surface);
        var http = context.Http;
        using var held = new PooledBufferWriter(512);
        if (!ResponseWriter.WriteError(http, surface, error, held))
        {
            return;
        }

        // An error completes no answer: it goes out whether or not its records could be stored. The settlement and the
        // receipt are stored in one write (or, without receipts, the settlement alone).
        var body = http.Response.BodyWriter;
        context.Receipt?.HashHeld(body, held.WrittenSpan);
        if (receipts is null)
        {
            if (context.Meter is { } meter)
            {
                await meter.SettleAsync(StreamOutcome.NotStarted).ConfigureAwait(false);
            }
        }
        else
        {
            bool stored = await receipts.SettleAndSealAsync(context, StreamOutcome.NotStarted, outcome, http.Response.StatusCode).ConfigureAwait(false);
            if (!stored && context.Receipt is { IsSealed: false })
            {
                // The meter was settled before and its write failed: the error's receipt is still sealed, on its own.
                stored = await receipts.SealAsync(context, outcome, http.Response.StatusCode).ConfigureAwait(false);
            }

            if (!stored)
            {
                http.Response.Headers.Remove(ReceiptService.Header);
            }
        }

        body.Write(held.WrittenSpan);
        await ResponseWriter.FlushAsync(http).ConfigureAwait(false);
    }

    /// <summary>Settles the request's meter (once) and seals its receipt (once) in one durable write: what must be durable
    /// before the flush that completes the response. False when they could not be stored (neither is).</summary>
    public static async Task<bool> FinishAsync(RelayContext context, ReceiptService? receipts, StreamOutcome settlement, string outcome) =>
        await CompleteAsync(context, receipts, ReadOnlyMemory<byte>.Empty, settlement, outcome).ConfigureAwait(false);

    /// <summary>Completes a response whose last bytes (<paramref name="held"/>: a whole body, or the event that ends
    /// a stream) are held back: hashes the held bytes into the receipt, settles the meter (once) and seals the receipt
    /// (once) in one durable write, and only when it committed writes the held bytes to the response (unflushed). False when the usage record and receipt
    /// could not be stored (neither is): nothing held was written, and the caller answers with
    /// <see cref="Admission.StoreHealth.Unavailable"/> instead (docs/fail-closed.md).</summary>
    public static Task<bool> CompleteAsync(RelayContext context, ReceiptService? receipts, ReadOnlyMemory<byte> held, StreamOutcome settlement, string outcome) =>
        CompleteAsync(context, receipts, held, settlement, outcome, whole: false);

    /// <summary><see cref="CompleteAsync(RelayContext, ReceiptService?, ReadOnlyMemory{byte}, StreamOutcome, string)"/>; a
    /// <paramref name="whole"/> answer also gets its <c>x-candor-charge-micros</c> header before its body is written.</summary>
    private static async Task<bool> CompleteAsync(RelayContext context, ReceiptService? receipts, ReadOnlyMemory<byte> held, StreamOutcome settlement, string outcome, bool whole)
    {
        ArgumentNullException.ThrowIfNull(context);
        var response = context.Http.Response;
        var body = response.BodyWriter;
        if (receipts is not null)
        {
            if (context.Receipt is { IsSealed: false } draft)
            {
                draft.HashHeld(body, held.Span);
            }

            if (!await receipts.SettleAndSealAsync(context, settlement, outcome, response.StatusCode).ConfigureAwait(false))
            {
                return false;
            }
        }
        else if (context.Meter is { } meter)
        {
            await meter.SettleAsync(settlement).ConfigureAwait(false);
            if (!meter.Recorded)
            {
                return false;
            }
        }

        if (whole && context.Meter is { Recorded: true } charged && !response.HasStarted)
        {
            response.Headers[RelayHeaders.ChargeMicros] = (await charged.SettleAsync(settlement).ConfigureAwait(false)).ToString(CultureInfo.InvariantCulture);
        }

        if (!held.IsEmpty)
        {
            body.Write(held.Span);
        }

        return true;
    }

    /// <summary>Completes a whole response held in <paramref name="held"/> (<see cref="CompleteAsync(RelayContext, ReceiptService?, ReadOnlyMemory{byte}, StreamOutcome, string)"/>),
    /// sets its charge header when it is metered, and flushes it; when its usage record and receipt could not be stored,
    /// answers 503 in the surface's envelope instead.</summary>
    public static async Task CompleteWholeAsync(RelayContext context, Surface surface, ReceiptService? receipts, ReadOnlyMemory<byte> held, string outcome)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (!await CompleteAsync(context, receipts, held, StreamOutcome.Completed, outcome, whole: true).ConfigureAwait(false))
        {
            await WriteErrorAsync(context, surface, Admission.StoreHealth.Unavailable(), receipts, ReceiptOutcome.Failed).ConfigureAwait(false);
            return;
        }

        await ResponseWriter.FlushAsync(context.Http).ConfigureAwait(false);
    }

    /// <summary>Seals a receipt the request left open (the client left, or an exception ended it): cancelled when
    /// the client is gone, else failed. Called from the relays' <c>finally</c>, after settlement.</summary>
    public static Task SealRemainingAsync(RelayContext context, ReceiptService? receipts)
    {
        ArgumentNullException.ThrowIfNull(context);
        return receipts is not null && context.Receipt is { IsSealed: false }
            ? receipts.SealAsync(context, context.Aborted.IsCancellationRequested ? ReceiptOutcome.Cancelled : ReceiptOutcome.Failed, context.Http.Response.StatusCode)
            : Task.CompletedTask;
    }

    /// <summary>Lists what redaction changed on the receipt: entity types and counts, never values.</summary>
    public static void NoteRedactions(RelayContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.Receipt is { } draft && context.Redactions is { Changed: true } redactions)
        {
            foreach (var (entity, count) in redactions.Counts)
            {
                draft.AddTransformation(new Transformation(Transformation.Redaction, entity, count.ToString(CultureInfo.InvariantCulture)));
            }
        }
    }
}
