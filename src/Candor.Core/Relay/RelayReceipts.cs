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
internal static class RelayReceipts
{
    /// <summary>Writes <paramref name="error"/> in the surface's envelope, settles and seals the receipt (with
    /// <paramref name="outcome"/>) before any of it reaches the response, then flushes. When the receipt could not be
    /// stored, its id is withdrawn from the headers (the error still goes out: it completes no answer). Nothing happens
    /// when the response has begun or the client left (the caller's final <see cref="SealRemainingAsync"/> seals).</summary>
    public static async Task WriteErrorAsync(RelayContext context, Surface surface, RelayError error, ReceiptService? receipts, string outcome)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(surface);
        var port = context.Port;
        using var held = new PooledBufferWriter(512);
        if (!ResponseWriter.WriteError(context, surface, error, held))
        {
            return;
        }

        // An error completes no answer: it goes out whether or not its records could be stored. The settlement and the
        // receipt are stored in one write (or, without receipts, the settlement alone).
        var body = port.Body;
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
            bool stored = await receipts.SettleAndSealAsync(context, StreamOutcome.NotStarted, outcome, port.StatusCode).ConfigureAwait(false);
            if (!stored && context.Receipt is { IsSealed: false })
            {
                // The meter was settled before and its write failed: the error's receipt is still sealed, on its own.
                stored = await receipts.SealAsync(context, outcome, port.StatusCode).ConfigureAwait(false);
            }

            if (!stored)
            {
                context.RemoveHeader(ReceiptService.Header);
            }
        }

        body.Write(held.WrittenSpan);
        await ResponseWriter.FlushAsync(port).ConfigureAwait(false);
    }

    /// <summary>Settles the request's meter (once) and seals its receipt (once) in one durable write: what must be durable
    /// before the flush that completes the response. False when they could not be stored (neither is).</summary>
    public static Task<bool> FinishAsync(RelayContext context, ReceiptService? receipts, StreamOutcome settlement, string outcome) =>
        CompleteAsync(context, receipts, ReadOnlyMemory<byte>.Empty, settlement, outcome);

    /// <summary>Completes a response whose last bytes (<paramref name="held"/>: a whole body, or the event that ends
    /// a stream) are held back: hashes the held bytes into the receipt, settles the meter (once) and seals the receipt
    /// (once) in one durable write, and only when it committed writes the held bytes to the response (unflushed). False when the usage record and receipt
    /// could not be stored (neither is): nothing held was written, and the caller answers with
    /// <see cref="Admission.StoreHealth.Unavailable"/> instead (docs/fail-closed.md).</summary>
    public static Task<bool> CompleteAsync(RelayContext context, ReceiptService? receipts, ReadOnlyMemory<byte> held, StreamOutcome settlement, string outcome) =>
        CompleteAsync(context, receipts, held, settlement, outcome, whole: false);

    /// <summary><see cref="CompleteAsync(RelayContext, ReceiptService?, ReadOnlyMemory{byte}, StreamOutcome, string)"/>; a
    /// <paramref name="whole"/> answer (<paramref name="held"/> is all of its body) also gets its <c>x-candor-charge-micros</c>
    /// header and its <c>Content-Length</c> before its body is written.</summary>
    private static async Task<bool> CompleteAsync(RelayContext context, ReceiptService? receipts, ReadOnlyMemory<byte> held, StreamOutcome settlement, string outcome, bool whole)
    {
        ArgumentNullException.ThrowIfNull(context);
        var body = context.Port.Body;
        if (receipts is not null)
        {
            if (context.Receipt is { IsSealed: false } draft)
            {
                draft.HashHeld(body, held.Span);
            }

            if (!await receipts.SettleAndSealAsync(context, settlement, outcome, context.Port.StatusCode).ConfigureAwait(false))
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

        if (whole && !context.Port.HasStarted)
        {
            if (context.Meter is { Recorded: true, Charge: { } charge })
            {
                context.SetHeader(RelayHeaders.ChargeMicros, charge.ToString(CultureInfo.InvariantCulture));
            }

            // The whole body is these bytes: it goes out with its length, in one write and no chunk framing (Kestrel
            // then has no closing chunk to write and flush when the request ends).
            context.Port.SetContentLength(held.Length);
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

        await ResponseWriter.FlushAsync(context.Port).ConfigureAwait(false);
    }

    /// <summary>Seals a receipt the request left open (the client left, or an exception ended it), with
    /// <see cref="RelayOutcome.Unsealed"/>: cancelled when the client is gone, partial when an upstream had accepted
    /// it, else failed. Called from the relays' <c>finally</c>, after settlement (<see cref="EndAsync"/>).</summary>
    public static Task SealRemainingAsync(RelayContext context, ReceiptService? receipts)
    {
        ArgumentNullException.ThrowIfNull(context);
        return receipts is not null && context.Receipt is { IsSealed: false }
            ? receipts.SealAsync(context, RelayOutcome.Unsealed(context), context.Port.StatusCode)
            : Task.CompletedTask;
    }

    /// <summary>Ends a request whatever path it took: settles a meter it left unsettled (<see cref="RelayOutcome.Unsettled"/>),
    /// then seals a receipt it left open (<see cref="SealRemainingAsync"/>). Each runs once, so this is safe after
    /// a path that did both.</summary>
    public static async Task EndAsync(RelayContext context, ReceiptService? receipts)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (receipts is not null && context.Meter is { Settled: false } && context.Receipt is { IsSealed: false })
        {
            // Both still open: one durable write, as on the completing path (a failed write leaves the admission
            // record, which recovery turns into an interrupted usage record and receipt).
            await receipts.SettleAndSealAsync(context, RelayOutcome.Unsettled(context), RelayOutcome.Unsealed(context), context.Port.StatusCode).ConfigureAwait(false);
            return;
        }

        if (context.Meter is { Settled: false } unsettled)
        {
            await unsettled.SettleAsync(RelayOutcome.Unsettled(context)).ConfigureAwait(false);
        }

        await SealRemainingAsync(context, receipts).ConfigureAwait(false);
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
