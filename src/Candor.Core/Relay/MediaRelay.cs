using System.Buffers;
using System.Diagnostics;
using System.Text.Json;
using Candor.Core.Accounting;
using Candor.Core.Configuration;
using Candor.Core.Receipts;
using Candor.Core.Relay.Pipeline;
using Candor.Core.Routing;
using Candor.Protocols.Canonical;
using Candor.Protocols.Codecs;
using Candor.Protocols.OpenAI;
using Microsoft.Extensions.Logging;

namespace Candor.Core.Relay;

/// <summary>The media endpoints (images, audio, rerank, moderations; docs/endpoints.md). They take chat's admission
/// (<see cref="AdmissionPipeline.AdmitMediaAsync"/>: model, eligible deployments, redaction of their texts, billing in
/// their units), its attempt loop, and answer either whole (<see cref="WholeRelay"/>: JSON, or a transcription's text) or,
/// for speech, as audio streamed through: hashed for the receipt as it passes, never buffered whole, the last chunk held
/// until the request is settled and sealed.</summary>
/// <remarks>The upstream's answer goes to the client as the upstream sent it (the bytes the receipt hashes as upstream and
/// delivered are the same); a failover happens only before the first byte. Nothing of a request or an answer is stored
/// or logged (zero retention); opt-in history does not capture these endpoints.</remarks>
internal sealed class MediaRelay(
    SnapshotHolder snapshots, Router router, ILogger<MediaRelay> logger, AdmissionPipeline? admission = null, ReceiptService? receipts = null)
{
    private const int ChunkBytes = 16 * 1024;

    private readonly AdmissionPipeline _admission = admission ?? AdmissionPipeline.Open;

    /// <summary>Relays <paramref name="request"/> to the first deployment whose channel serves its endpoint.</summary>
    public async Task RelayAsync(RelayContext context, Surface surface, MediaRequest request)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(surface);
        ArgumentNullException.ThrowIfNull(request);
        try
        {
            var snapshot = snapshots.Current;
            var admitted = await _admission.AdmitMediaAsync(context, snapshot, request, surface.Protocol).ConfigureAwait(false);
            var state = new MediaAttempt(this, context, surface, request, snapshot.Config);
            await AttemptLoop.RelayAdmittedAsync(context, surface, receipts, router, snapshot, admitted, 0, logger, state,
                static (s, attempt) => s.Relay.AttemptAsync(s, attempt)).ConfigureAwait(false);
        }
        finally
        {
            await RelayReceipts.EndAsync(context, receipts).ConfigureAwait(false);
        }
    }

    /// <summary>One attempt: the channel's media request (none: the channel lacks the endpoint, a 400 that may go to
    /// another deployment), sent; then the answer, streamed (speech) or whole.</summary>
    private async ValueTask<AttemptOutcome> AttemptAsync(MediaAttempt state, Attempt attempt)
    {
        var (context, request) = (state.Context, state.Request);
        var (deployment, channel, _, _) = attempt;
        using var upstreamRequest = channel.Adapter.CreateMediaRequest(channel.Settings, deployment.UpstreamModel, request);
        if (upstreamRequest is null)
        {
            return AttemptOutcome.Failed(
                RelayError.BadRequest($"The model '{request.Model}' does not support {Endpoint(request.Kind)}: its channel has no such endpoint.", "model"),
                UpstreamFailure.Unsupported);
        }

        await AuxiliaryRelay.NoteForwardedAsync(context, channel, request.Model, deployment, state.Surface.Protocol, upstreamRequest.Content, null)
            .ConfigureAwait(false);
        var settings = channel.Settings;
        using var timer = UpstreamCall.StartTimer(settings.FirstByteTimeout, context.Aborted, attempt.Remaining);
        long sent = Stopwatch.GetTimestamp();
        try
        {
            var (response, failure) = await UpstreamCall.SendAsync(channel, upstreamRequest, timer, context.Aborted, context.Receipt).ConfigureAwait(false);
            if (response is null)
            {
                return failure;
            }

            using (response)
            {
                return request.Kind == MediaKind.Speech
                    ? await StreamAsync(state, attempt, response, timer).ConfigureAwait(false)
                    : await WholeAsync(state, attempt, response, timer).ConfigureAwait(false);
            }
        }
        finally
        {
            context.UpstreamTicks += Stopwatch.GetTimestamp() - sent;
        }
    }

    /// <summary>A whole answer: JSON (a transcription may also be text, srt or vtt), read within the response limit,
    /// its figures read for metering, then answered as it came under the commit protocol.</summary>
    private async ValueTask<AttemptOutcome> WholeAsync(MediaAttempt state, Attempt attempt, HttpResponseMessage response, CancellationTokenSource timer)
    {
        var (context, request) = (state.Context, state.Request);
        bool json = UpstreamCall.IsJson(response);
        string? mediaType = response.Content.Headers.ContentType?.MediaType;
        if (!json && !(request.Kind == MediaKind.Transcription && mediaType is not null && mediaType.StartsWith("text/", StringComparison.OrdinalIgnoreCase)))
        {
            return AttemptOutcome.Failed(UpstreamErrors.Malformed("expected application/json"), UpstreamFailure.Malformed);
        }

        var (body, failed) = await UpstreamCall.ReadJsonAsync(response, timer, attempt.Channel.Settings.IdleTimeout, state.Config.MaxUpstreamResponseBytes, context.Aborted)
            .ConfigureAwait(false);
        if (body is null)
        {
            return failed;
        }

        using (body)
        {
            context.Receipt?.HashUpstream(body.WrittenSpan);
            MediaAnswer answer;
            try
            {
                answer = OpenAIMediaCodec.ReadAnswer(request.Kind, body.WrittenSpan, json);
            }
            catch (JsonException)
            {
                return AttemptOutcome.Failed(UpstreamErrors.Malformed("invalid " + Endpoint(request.Kind) + " body"), UpstreamFailure.Malformed);
            }

            attempt.Lease.Succeeded();
            Observe(context, request, answer);
            string contentType = json ? "application/json" : mediaType + "; charset=utf-8";
            await WholeRelay.AnswerAsync(context, state.Surface, receipts, body.WrittenMemory, contentType).ConfigureAwait(false);
        }

        return AttemptOutcome.Done;
    }

    /// <summary>Speech: the audio streamed through. The first chunk is read before the commit (a failure until then may go
    /// to another deployment); from then on each chunk is written when the next one has arrived, so the last one is held
    /// until the request is settled and sealed. A break after the commit settles (upstream failed) and seals (partial),
    /// then aborts the response: an audio body has no error event, and a cut one must not look complete.</summary>
    private async ValueTask<AttemptOutcome> StreamAsync(MediaAttempt state, Attempt attempt, HttpResponseMessage response, CancellationTokenSource timer)
    {
        var context = state.Context;
        string? mediaType = response.Content.Headers.ContentType?.MediaType;
        if (UpstreamCall.IsJson(response) || UpstreamCall.IsEventStream(response))
        {
            return AttemptOutcome.Failed(UpstreamErrors.Malformed("expected audio"), UpstreamFailure.Malformed);
        }

        byte[] held = ArrayPool<byte>.Shared.Rent(ChunkBytes), next = ArrayPool<byte>.Shared.Rent(ChunkBytes);
        try
        {
            Stream body;
            int n;
            try
            {
                body = await response.Content.ReadAsStreamAsync(timer.Token).ConfigureAwait(false);
                body = new IdleTimeoutStream(context.Receipt?.HashUpstream(body) ?? body, timer, attempt.Channel.Settings.IdleTimeout);
                n = await body.ReadAsync(held, timer.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (UpstreamCall.IsReadFailure(e))
            {
                return UpstreamCall.FailedRead(e, "before the first audio bytes", context.Aborted);
            }

            await using (body.ConfigureAwait(false))
            {
                if (n == 0)
                {
                    return AttemptOutcome.Failed(UpstreamErrors.Malformed("an empty audio answer"), UpstreamFailure.Malformed);
                }

                attempt.Lease.Succeeded();
                Observe(context, state.Request, default);
                RelayHeaders.SetRoute(context);
                context.Commit(200, mediaType ?? "application/octet-stream");
                try
                {
                    while (true)
                    {
                        int m = await body.ReadAsync(next, timer.Token).ConfigureAwait(false);
                        if (m == 0)
                        {
                            break;
                        }

                        context.Output.Write(held.AsSpan(0, n));
                        await ResponseWriter.FlushAsync(context.Port).ConfigureAwait(false);
                        (held, next, n) = (next, held, m);
                    }
                }
                catch (Exception e) when (UpstreamCall.IsReadFailure(e))
                {
                    if (!context.Aborted.IsCancellationRequested)
                    {
                        // Settled as an upstream failure after the answer began; the receipt says partial.
                        await RelayReceipts.FinishAsync(context, receipts, StreamOutcome.UpstreamFailed, ReceiptOutcome.Partial).ConfigureAwait(false);
                        context.Port.AbortExchange();
                    }

                    return AttemptOutcome.Done;
                }

                if (!await RelayReceipts.CompleteAsync(context, receipts, held.AsMemory(0, n), StreamOutcome.Completed, ReceiptOutcome.Complete).ConfigureAwait(false))
                {
                    // The records could not be stored: the completing bytes are withheld and the answer cut (docs/fail-closed.md).
                    context.Port.AbortExchange();
                    return AttemptOutcome.Done;
                }

                await ResponseWriter.FlushAsync(context.Port).ConfigureAwait(false);
                return AttemptOutcome.Done;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(held);
            ArrayPool<byte>.Shared.Return(next);
        }
    }

    /// <summary>Notes what the answer showed: the model it named, and the units billed (never more than reserved): images
    /// returned; the audio's duration as the upstream reported it, else as Candor measured the upload, else the reserved
    /// bound; search units reported, else reserved; speech characters and moderation calls as reserved.</summary>
    private static void Observe(RelayContext context, MediaRequest request, MediaAnswer answer)
    {
        context.Receipt?.ObserveReported(answer.Model, null);
        if (context.Meter is not { } meter)
        {
            return;
        }

        meter.Accepted = true;
        if (meter.Media is { } media)
        {
            long billed = request.Kind switch
            {
                MediaKind.ImageGeneration or MediaKind.ImageEdit => answer.Images ?? media.Reserved,
                MediaKind.Transcription => answer.Milliseconds ?? request.MeasuredMilliseconds ?? media.Reserved,
                MediaKind.Rerank => answer.SearchUnits ?? media.Reserved,
                _ => media.Reserved,
            };
            media.Billed = Math.Clamp(billed, 0, media.Reserved);
        }
    }

    private static string Endpoint(MediaKind kind) => kind switch
    {
        MediaKind.ImageGeneration => "image generation",
        MediaKind.ImageEdit => "image edits",
        MediaKind.Speech => "speech",
        MediaKind.Transcription => "transcription",
        MediaKind.Rerank => "rerank",
        _ => "moderations",
    };

    /// <summary>What one attempt needs, passed through the attempt loop without a closure.</summary>
    private readonly record struct MediaAttempt(MediaRelay Relay, RelayContext Context, Surface Surface, MediaRequest Request, CandorConfig Config);
}
