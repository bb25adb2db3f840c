using System.Diagnostics;
using Candor.Core.Configuration;
using Candor.Core.Receipts;
using Candor.Core.Routing;
using Candor.Protocols.Buffers;
using Candor.Protocols.Codecs;

namespace Candor.Core.Relay;

/// <summary>The whole-answer relay, shared by non-streamed chat, embeddings and token counts. It sends an attempt and
/// reads the upstream's whole JSON answer (<see cref="SendAndReadAsync"/>: bounded by
/// <c>server.max_upstream_response_bytes</c>, under the idle timeout, hashed for the receipt), and answers the client
/// under the commit protocol (<see cref="AnswerAsync"/>): the head is committed with every pending header, the body is
/// held until the usage record and the receipt are stored in one write, and only then written and flushed — or, when they
/// could not be stored, a 503 in the surface's envelope goes out instead (docs/fail-closed.md).</summary>
internal static class WholeRelay
{
    /// <summary>Sends <paramref name="request"/> for this attempt (first byte due within the channel's timeout and the
    /// request's deadline) and reads the whole answer: the body (the caller disposes it), or null with the classified
    /// failure (<see cref="AttemptOutcome.Done"/> when the client left). Time spent goes to the context's upstream time.</summary>
    public static async ValueTask<(PooledBufferWriter? Body, AttemptOutcome Failure)> SendAndReadAsync(
        RelayContext context, Attempt attempt, HttpRequestMessage request, CandorConfig config)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(config);
        var settings = attempt.Channel.Settings;
        using var timer = UpstreamCall.StartTimer(settings.FirstByteTimeout, context.Aborted, attempt.Remaining);
        long sent = Stopwatch.GetTimestamp();
        try
        {
            var (response, failure) = await UpstreamCall.SendAsync(attempt.Channel, request, timer, context.Aborted, context.Receipt).ConfigureAwait(false);
            if (response is null)
            {
                return (null, failure);
            }

            using (response)
            {
                return await ReadAsync(context, response, timer, settings, config).ConfigureAwait(false);
            }
        }
        finally
        {
            context.UpstreamTicks += Stopwatch.GetTimestamp() - sent;
        }
    }

    /// <summary>Reads the whole JSON answer of a response already received (the chat relay sends first, then reads a
    /// stream or a whole answer as the request asked): see <see cref="SendAndReadAsync"/>.</summary>
    public static async ValueTask<(PooledBufferWriter? Body, AttemptOutcome Failure)> ReadAsync(
        RelayContext context, HttpResponseMessage response, CancellationTokenSource timer, ChannelSettings settings, CandorConfig config)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(config);
        if (!UpstreamCall.IsJson(response))
        {
            return (null, AttemptOutcome.Failed(UpstreamErrors.Malformed("expected application/json"), UpstreamFailure.Malformed));
        }

        // An answer over the limit is the client's request asking for too much: an error of its own, not retried and not
        // counted against the deployment (UpstreamCall.Classify).
        var (body, failed) = await UpstreamCall.ReadJsonAsync(response, timer, settings.IdleTimeout, config.MaxUpstreamResponseBytes, context.Aborted).ConfigureAwait(false);
        if (body is not null)
        {
            context.Receipt?.HashUpstream(body.WrittenSpan);
        }

        return (body, failed);
    }

    /// <summary>Answers 200 with <paramref name="body"/>, the route headers (channel, attempts, path) set, under the commit
    /// protocol: held until settled and sealed, then written and flushed; a 503 in the surface's envelope when the records
    /// could not be stored. <paramref name="contentType"/> is JSON but for the media answers that are text (transcriptions).</summary>
    public static Task AnswerAsync(RelayContext context, Surface surface, ReceiptService? receipts, ReadOnlyMemory<byte> body, string contentType = "application/json")
    {
        ArgumentNullException.ThrowIfNull(context);
        RelayHeaders.SetRoute(context);
        context.Commit(200, contentType);
        return RelayReceipts.CompleteWholeAsync(context, surface, receipts, body, ReceiptOutcome.Complete);
    }
}
