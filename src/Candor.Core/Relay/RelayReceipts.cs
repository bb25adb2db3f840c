using System.Globalization;
using Candor.Core.Accounting;
using Candor.Core.Receipts;
using Candor.Protocols.Canonical;

namespace Candor.Core.Relay;

/// <summary>The receipt steps every relayed endpoint shares outside the chat relay (which keeps its own copies):
/// an error written through the hashing output and sealed before its flush, settlement before sealing, the seal of
/// whatever a request left open, and the redaction counts listed on the receipt. All of them do nothing without
/// a <see cref="ReceiptService"/> or a draft.</summary>
public static class RelayReceipts
{
    /// <summary>Writes <paramref name="error"/> in the surface's envelope through <see cref="RelayContext.Output"/>,
    /// settles and seals the receipt (with <paramref name="outcome"/>), then flushes. Nothing happens when the
    /// response has begun or the client left (the caller's final <see cref="SealRemainingAsync"/> seals).</summary>
    public static async Task WriteErrorAsync(RelayContext context, Surface surface, RelayError error, ReceiptService? receipts, string outcome)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(surface);
        if (ResponseWriter.WriteError(context.Http, surface, error, context.Output))
        {
            await FinishAsync(context, receipts, StreamOutcome.NotStarted, outcome).ConfigureAwait(false);
            await ResponseWriter.FlushAsync(context.Http).ConfigureAwait(false);
        }
    }

    /// <summary>Settles the request's meter (once) and then seals its receipt (once): what must be durable before
    /// the flush that completes the response.</summary>
    public static async Task FinishAsync(RelayContext context, ReceiptService? receipts, StreamOutcome settlement, string outcome)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.Meter is { } meter)
        {
            await meter.SettleAsync(settlement).ConfigureAwait(false);
        }

        if (receipts is not null)
        {
            await receipts.SealAsync(context, outcome, context.Http.Response.StatusCode).ConfigureAwait(false);
        }
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
