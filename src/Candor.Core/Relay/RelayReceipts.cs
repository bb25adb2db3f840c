using System.Buffers;
using System.Globalization;
using Candor.Core.Accounting;
using Candor.Core.Receipts;
using Candor.Protocols.Buffers;
using Candor.Protocols.Canonical;

namespace Candor.Core.Relay;

/// <summary>The receipt steps every relayed endpoint shares (ChatRelay and AuxiliaryRelay): an error written through
/// the hashing output and sealed before its flush, settlement before sealing with the completing bytes held until both
/// are durable, the seal of whatever a request left open, and the redaction counts listed on the receipt. All of them do nothing without
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
        var port = context.Port;
        using var held = new PooledBufferWriter(512);
        if (!ResponseWriter.WriteError(context, surface, error, held))
        {
            return;
        }

        // An error completes no answer: its receipt is sealed whether or not the settlement could be stored.
        if (context.Meter is { } meter)
        {
            await meter.SettleAsync(StreamOutcome.NotStarted).ConfigureAwait(false);
        }

        var body = port.Body;
        context.Receipt?.HashHeld(body, held.WrittenSpan);
        if (receipts is not null && !await receipts.SealAsync(context, outcome, port.StatusCode).ConfigureAwait(false))
        {
            context.RemoveHeader(ReceiptService.Header);
        }

        body.Write(held.WrittenSpan);
        await ResponseWriter.FlushAsync(port).ConfigureAwait(false);
    }

    /// <summary>Settles the request's meter (once) and then seals its receipt (once): what must be durable before
    /// the flush that completes the response. False when either could not be stored.</summary>
    public static async Task<bool> FinishAsync(RelayContext context, ReceiptService? receipts, StreamOutcome settlement, string outcome) =>
        await CompleteAsync(context, receipts, ReadOnlyMemory<byte>.Empty, settlement, outcome).ConfigureAwait(false);

    /// <summary>Completes a response whose last bytes (<paramref name="held"/>: a whole body, or the event that ends
    /// a stream) are held back: settles the meter (once), hashes the held bytes into the receipt, seals it (once), and
    /// only when both are durable writes the held bytes to the response (unflushed). False when the usage record or the
    /// receipt could not be stored: nothing held was written, and the caller answers with
    /// <see cref="Admission.StoreHealth.Unavailable"/> instead (docs/fail-closed.md).</summary>
    public static async Task<bool> CompleteAsync(RelayContext context, ReceiptService? receipts, ReadOnlyMemory<byte> held, StreamOutcome settlement, string outcome)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.Meter is { } meter)
        {
            await meter.SettleAsync(settlement).ConfigureAwait(false);
            if (!meter.Recorded)
            {
                return false;
            }
        }

        var body = context.Port.Body;
        if (receipts is not null)
        {
            context.Receipt?.HashHeld(body, held.Span);
            if (!await receipts.SealAsync(context, outcome, context.Port.StatusCode).ConfigureAwait(false))
            {
                return false;
            }
        }

        if (!held.IsEmpty)
        {
            body.Write(held.Span);
        }

        return true;
    }

    /// <summary>Completes a whole response held in <paramref name="held"/> (<see cref="CompleteAsync"/>) and flushes
    /// it; when its usage record or receipt could not be stored, answers 503 in the surface's envelope instead.</summary>
    public static async Task CompleteWholeAsync(RelayContext context, Surface surface, ReceiptService? receipts, ReadOnlyMemory<byte> held, string outcome)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (!await CompleteAsync(context, receipts, held, StreamOutcome.Completed, outcome).ConfigureAwait(false))
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
