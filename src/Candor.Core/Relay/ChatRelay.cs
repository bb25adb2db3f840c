using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;
using Candor.Core.Accounting;
using Candor.Core.Admission;
using Candor.Core.Configuration;
using Candor.Core.Routing;
using Candor.Protocols.Buffers;
using Candor.Protocols.Canonical;
using Candor.Protocols.Codecs;
using Candor.Protocols.Sse;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Candor.Core.Relay;

/// <summary>Relays one chat request: route → upstream attempt(s) → client encoding, streamed event by
/// event. Failover happens only before the first byte reaches the client; after it, a failure ends the
/// stream with the surface's own error event.</summary>
/// <remarks>With a <see cref="BillingGate"/> (Candor has a data directory), a request of a stored key is admitted
/// (models, limits, reservation) before routing and metered in both paths; it settles before the bytes that
/// complete the answer are flushed (the whole body, or the event carrying the end marker), and in any case
/// when the request ends, so a response the client received complete always has its usage record.</remarks>
public sealed class ChatRelay(SnapshotHolder snapshots, ILogger<ChatRelay> logger, BillingGate? billing = null, Audit.ChannelQuarantine? quarantine = null)
{
    private static readonly MediaTypeHeaderValue JsonContentType = new("application/json");

    /// <param name="context">The request's shared facts.</param>
    /// <param name="surface">The client's dialect.</param>
    /// <param name="request">The decoded request.</param>
    /// <param name="rawBody">The client's body as received (for the fast path).</param>
    public async Task RelayAsync(RelayContext context, Surface surface, ChatRequest request, ReadOnlyMemory<byte> rawBody)
    {
        var snapshot = snapshots.Current;
        var http = context.Http;
        if (!snapshot.Models.TryGetValue(request.Model, out var route))
        {
            await ResponseWriter.WriteErrorAsync(http, surface, RelayError.ModelNotFound(request.Model)).ConfigureAwait(false);
            Completed(context, request, 404);
            return;
        }

        if (billing is not null && http.Features.Get<Caller>()?.Key is { } key)
        {
            var (meter, refused) = await billing.AdmitAsync(context, key, request, route, snapshot.Config.DefaultMaxOutputTokens).ConfigureAwait(false);
            if (refused is not null)
            {
                await ResponseWriter.WriteErrorAsync(http, surface, refused).ConfigureAwait(false);
                Completed(context, request, http.Response.StatusCode);
                return;
            }

            context.Meter = meter;
        }

        try
        {
            await RelayRoutedAsync(context, surface, request, rawBody, snapshot, route).ConfigureAwait(false);
        }
        finally
        {
            if (context.Meter is { Settled: false } unsettled)
            {
                var outcome = !unsettled.Accepted ? StreamOutcome.NotStarted
                    : context.Aborted.IsCancellationRequested ? StreamOutcome.ClientDisconnected
                    : StreamOutcome.UpstreamFailed;
                await unsettled.SettleAsync(outcome).ConfigureAwait(false);
            }
        }
    }

    private async Task RelayRoutedAsync(RelayContext context, Surface surface, ChatRequest request, ReadOnlyMemory<byte> rawBody, RuntimeSnapshot snapshot, ModelRoute route)
    {
        var http = context.Http;
        RelayError? last = null;
        foreach (var deployment in route.Deployments)
        {
            if (context.Attempts >= snapshot.Config.MaxAttempts || context.Aborted.IsCancellationRequested)
            {
                break;
            }

            if (quarantine?.IsQuarantined(deployment.ChannelId) == true)
            {
                continue; // a channel that failed an audit gets no client requests (docs/audits.md)
            }

            var channel = snapshot.Channels[deployment.ChannelId];
            context.Attempts++;
            context.ChannelId = channel.Settings.Id;
            if (context.Meter is { } meter)
            {
                meter.ChannelId = channel.Settings.Id;
                meter.UpstreamModel = deployment.UpstreamModel;
            }

            var outcome = await AttemptAsync(context, snapshot.Config, surface, request, rawBody, channel, deployment).ConfigureAwait(false);
            if (outcome.Answered)
            {
                Completed(context, request, http.Response.StatusCode);
                return;
            }

            last = outcome.Error;
            logger.AttemptFailed(context.RequestId, context.Attempts, channel.Settings.Id, last!.Stage.ToString(), last.Kind.ToString(), last.StatusCode);
            if (!outcome.Retryable)
            {
                break;
            }
        }

        if (context.Aborted.IsCancellationRequested)
        {
            logger.ClientGone(context.RequestId);
            return;
        }

        SetRouteHeaders(http, context);
        await ResponseWriter.WriteErrorAsync(http, surface, last ?? UpstreamErrors.Unavailable("no deployment could be tried")).ConfigureAwait(false);
        Completed(context, request, http.Response.StatusCode);
    }

    private async Task<AttemptOutcome> AttemptAsync(
        RelayContext context, CandorConfig config, Surface surface, ChatRequest request, ReadOnlyMemory<byte> rawBody, ChannelRuntime channel, Deployment deployment)
    {
        var adapter = channel.Adapter;
        var settings = channel.Settings;
        if ((TranslationGuard.Check(request, adapter.Protocol) ?? adapter.CheckSupported(request)) is { } unsupported)
        {
            return AttemptOutcome.Failed(unsupported, retryable: true);
        }

        bool fast = config.FastPath && surface.Protocol == adapter.Protocol && adapter.SupportsRawForwarding(request);
        context.Path = fast ? "fast" : "translated";
        using var rewritten = fast ? new PooledBufferWriter(rawBody.Length + 64) : null;
        HttpRequestMessage upstreamRequest;
        if (fast)
        {
            ReadOnlyMemory<byte> body = rawBody;
            if (adapter.Protocol != WireProtocol.Gemini && deployment.UpstreamModel != request.Model
                && ModelFieldRewriter.TryRewrite(rawBody.Span, deployment.UpstreamModel, rewritten!))
            {
                body = rewritten!.WrittenMemory;
            }

            var content = new ReadOnlyMemoryContent(body);
            content.Headers.ContentType = JsonContentType;
            upstreamRequest = adapter.CreateRawChatRequest(settings, deployment.UpstreamModel, request.Stream, content);
        }
        else
        {
            upstreamRequest = adapter.CreateChatRequest(settings, deployment.UpstreamModel, request);
        }

        using var _ = upstreamRequest;
        if (request.ProtocolHeaders is { } forwarded && request.SourceProtocol == adapter.Protocol)
        {
            foreach (var (name, value) in forwarded)
            {
                upstreamRequest.Headers.TryAddWithoutValidation(name, value);
            }
        }

        using var timer = CancellationTokenSource.CreateLinkedTokenSource(context.Aborted);
        timer.CancelAfter(settings.FirstByteTimeout);
        long sent = Stopwatch.GetTimestamp();
        var (response, failure) = await UpstreamCall.SendAsync(channel, upstreamRequest, timer, context.Aborted).ConfigureAwait(false);
        if (response is null)
        {
            context.UpstreamTicks += Stopwatch.GetTimestamp() - sent;
            return failure;
        }

        using (response)
        {
            var decoder = adapter.CreateDecoder(settings);
            var encoder = surface.CreateEncoder(request);
            if (request.Stream)
            {
                if (!UpstreamCall.IsEventStream(response))
                {
                    context.UpstreamTicks += Stopwatch.GetTimestamp() - sent;
                    return AttemptOutcome.Failed(UpstreamErrors.Malformed("expected text/event-stream"), retryable: true);
                }

                return await StreamAsync(context, surface, response, decoder, encoder, fast, settings, timer, sent).ConfigureAwait(false);
            }

            if (!UpstreamCall.IsJson(response))
            {
                context.UpstreamTicks += Stopwatch.GetTimestamp() - sent;
                return AttemptOutcome.Failed(UpstreamErrors.Malformed("expected application/json"), retryable: true);
            }

            return await WholeAsync(context, config, response, decoder, encoder, fast, settings, timer, sent).ConfigureAwait(false);
        }
    }

    private async Task<AttemptOutcome> WholeAsync(
        RelayContext context, CandorConfig config, HttpResponseMessage response, IChatUpstreamDecoder decoder, IChatClientEncoder encoder,
        bool fast, ChannelSettings settings, CancellationTokenSource timer, long sent)
    {
        using var body = new PooledBufferWriter(16 * 1024);
        var events = new List<ChatEvent>();
        try
        {
            await using var stream = new IdleTimeoutStream(await response.Content.ReadAsStreamAsync(timer.Token).ConfigureAwait(false), timer, settings.IdleTimeout);
            await UpstreamCall.ReadBoundedAsync(stream, body, config.MaxUpstreamResponseBytes, timer.Token).ConfigureAwait(false);
            decoder.DecodeResponse(body.WrittenSpan, events);
        }
        catch (Exception e) when (UpstreamCall.IsReadFailure(e))
        {
            return FailedRead(e, context, "while reading the response");
        }
        finally
        {
            context.UpstreamTicks += Stopwatch.GetTimestamp() - sent;
        }

        var accumulator = new ChatResponseAccumulator();
        foreach (var ev in events)
        {
            if (ev is StreamFailed failed)
            {
                return AttemptOutcome.Failed(failed.Error, retryable: true);
            }

            accumulator.Add(ev);
        }

        var http = context.Http;
        if (context.Meter is { } meter)
        {
            // Durability: the usage record is committed before the client can see the answer.
            meter.Accepted = true;
            foreach (var ev in events)
            {
                meter.Observe(ev);
            }

            long charge = await meter.SettleAsync(StreamOutcome.Completed).ConfigureAwait(false);
            http.Response.Headers[RelayHeaders.ChargeMicros] = charge.ToString(CultureInfo.InvariantCulture);
        }

        var whole = accumulator.Response;
        http.Response.StatusCode = 200;
        http.Response.ContentType = "application/json";
        SetRouteHeaders(http, context);
        if (whole.Model is { } served)
        {
            http.Response.Headers[RelayHeaders.ServedModel] = served;
        }

        http.Response.Headers[RelayHeaders.Overhead] = context.OverheadMilliseconds().ToString("0.###", CultureInfo.InvariantCulture);
        if (fast)
        {
            http.Response.BodyWriter.Write(body.WrittenSpan);
        }
        else
        {
            encoder.WriteResponse(whole, http.Response.BodyWriter);
        }

        await ResponseWriter.FlushAsync(http).ConfigureAwait(false);
        return AttemptOutcome.Done;
    }

    private async Task<AttemptOutcome> StreamAsync(
        RelayContext context, Surface surface, HttpResponseMessage response, IChatUpstreamDecoder decoder, IChatClientEncoder encoder,
        bool fast, ChannelSettings settings, CancellationTokenSource timer, long sent)
    {
        var http = context.Http;
        var events = new List<ChatEvent>();
        using var pending = new PooledBufferWriter(4096);
        bool ended = false, endMarker = false, finished = false;
        Stream? body = null;
        SseStreamReader? reader = null;
        try
        {
            // Before the first byte: read until the upstream has said something meaningful, so that a
            // failure here can still go to another deployment.
            try
            {
                body = new IdleTimeoutStream(await response.Content.ReadAsStreamAsync(timer.Token).ConfigureAwait(false), timer, settings.IdleTimeout);
                reader = new SseStreamReader(body);
                while (events.Count == 0 && !ended)
                {
                    var ev = await reader.ReadAsync(timer.Token).ConfigureAwait(false);
                    if (ev is not { } e)
                    {
                        ended = true;
                        break;
                    }

                    if (fast)
                    {
                        SseWriter.WriteEvent(pending, e.EventType, e.Data.Span);
                    }

                    if (!decoder.DecodeStreamEvent(e, events))
                    {
                        ended = endMarker = true;
                    }
                }
            }
            catch (Exception e) when (UpstreamCall.IsReadFailure(e))
            {
                return FailedRead(e, context, "before the first event");
            }
            finally
            {
                context.UpstreamTicks += Stopwatch.GetTimestamp() - sent;
            }

            if (events.Count == 0)
            {
                return AttemptOutcome.Failed(UpstreamErrors.Malformed("the stream ended without any event"), retryable: true);
            }

            if (events[0] is StreamFailed early)
            {
                return AttemptOutcome.Failed(early.Error, retryable: true);
            }

            // Commit: from here on the client has the response and nothing can be retried.
            http.Response.StatusCode = 200;
            http.Response.ContentType = "text/event-stream; charset=utf-8";
            http.Response.Headers.CacheControl = "no-cache";
            http.Response.Headers["x-accel-buffering"] = "no";
            SetRouteHeaders(http, context);
            if (events.OfType<ResponseStarted>().FirstOrDefault()?.Model is { } served)
            {
                http.Response.Headers[RelayHeaders.ServedModel] = served;
            }

            http.Response.Headers[RelayHeaders.Overhead] = context.OverheadMilliseconds().ToString("0.###", CultureInfo.InvariantCulture);
            var output = http.Response.BodyWriter;
            if (fast)
            {
                output.Write(pending.WrittenSpan);
            }

            var meter = context.Meter;
            if (meter is not null)
            {
                meter.Accepted = true;
            }

            finished |= Emit(events, encoder, output, fast, meter, out var failedEarly);
            if (failedEarly is not null)
            {
                await SettleAsync(meter, StreamOutcome.UpstreamFailed).ConfigureAwait(false);
                await ResponseWriter.FlushAsync(http).ConfigureAwait(false);
                return AttemptOutcome.Done;
            }

            if (endMarker || (fast && surface.Protocol == WireProtocol.Gemini && finished))
            {
                await SettleAsync(meter, StreamOutcome.Completed).ConfigureAwait(false);
            }

            await output.FlushAsync(context.Aborted).ConfigureAwait(false);
            RelayError? broken = null;
            try
            {
                while (!ended)
                {
                    // Flush only when the next upstream event is not already in memory: every event still
                    // leaves as soon as nothing more is ready, but a burst goes out in one write.
                    var next = reader!.ReadAsync(timer.Token);
                    if (!next.IsCompleted)
                    {
                        await output.FlushAsync(context.Aborted).ConfigureAwait(false);
                    }

                    var ev = await next.ConfigureAwait(false);
                    if (ev is not { } e)
                    {
                        break;
                    }

                    events.Clear();
                    if (fast)
                    {
                        SseWriter.WriteEvent(output, e.EventType, e.Data.Span);
                    }

                    if (!decoder.DecodeStreamEvent(e, events))
                    {
                        endMarker = ended = true;
                    }

                    bool finishing = Emit(events, encoder, output, fast, meter, out var failed);
                    finished |= finishing;
                    if (failed is not null)
                    {
                        logger.StreamBroken(context.RequestId, settings.Id, failed.Kind.ToString());
                        await SettleAsync(meter, StreamOutcome.UpstreamFailed).ConfigureAwait(false);
                        await output.FlushAsync(context.Aborted).ConfigureAwait(false);
                        return AttemptOutcome.Done;
                    }

                    // The event that completes the answer for the client is flushed only after settlement:
                    // the end marker, or Gemini's final chunk on its fast path (Gemini has no end marker).
                    // The next flush (top of the loop, or after it) carries it.
                    if (endMarker || (fast && surface.Protocol == WireProtocol.Gemini && finishing))
                    {
                        await SettleAsync(meter, StreamOutcome.Completed).ConfigureAwait(false);
                    }
                }
            }
            catch (Exception e) when (UpstreamCall.IsReadFailure(e) && UpstreamCall.ReadFailure(e, "during the stream", context.Aborted) is { } error)
            {
                // A client that left is handled by the outer catch.
                broken = error;
            }

            if (broken is null && !endMarker && !finished)
            {
                broken = UpstreamErrors.Unavailable("the stream ended before the response was complete");
            }

            if (broken is not null)
            {
                logger.StreamBroken(context.RequestId, settings.Id, broken.Kind.ToString());
                await SettleAsync(meter, context.Aborted.IsCancellationRequested ? StreamOutcome.ClientDisconnected : StreamOutcome.UpstreamFailed).ConfigureAwait(false);
                encoder.WriteStreamError(broken, output);
            }
            else
            {
                await SettleAsync(meter, StreamOutcome.Completed).ConfigureAwait(false);
                if (!fast)
                {
                    encoder.WriteStreamEnd(output);
                }
            }

            await ResponseWriter.FlushAsync(http).ConfigureAwait(false);
            return AttemptOutcome.Done;
        }
        catch (OperationCanceledException) when (context.Aborted.IsCancellationRequested)
        {
            logger.ClientGone(context.RequestId);
            return AttemptOutcome.Done;
        }
        finally
        {
            if (reader is not null)
            {
                await reader.DisposeAsync().ConfigureAwait(false);
            }

            if (body is not null)
            {
                await body.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>A failed read before the first byte: retryable on another deployment, or done when the client left.</summary>
    private static AttemptOutcome FailedRead(Exception e, RelayContext context, string phase) =>
        UpstreamCall.ReadFailure(e, phase, context.Aborted) is { } error ? AttemptOutcome.Failed(error, retryable: true) : AttemptOutcome.Done;

    /// <summary>Encodes decoded events for the client (translated path) and reports whether a choice
    /// finished and whether the upstream reported a failure inside the stream.</summary>
    private static bool Emit(List<ChatEvent> events, IChatClientEncoder encoder, System.Buffers.IBufferWriter<byte> output, bool fast, RequestMeter? meter, out RelayError? failed)
    {
        bool finished = false;
        failed = null;
        foreach (var ev in events)
        {
            meter?.Observe(ev);
            switch (ev)
            {
                case StreamFailed f:
                    failed = f.Error;
                    if (!fast)
                    {
                        encoder.WriteStreamError(f.Error, output);
                    }

                    return finished;
                case ChoiceFinished:
                    finished = true;
                    break;
            }

            if (!fast)
            {
                encoder.WriteStreamEvent(ev, output);
            }
        }

        return finished;
    }

    private static async Task SettleAsync(RequestMeter? meter, StreamOutcome outcome)
    {
        if (meter is not null)
        {
            await meter.SettleAsync(outcome).ConfigureAwait(false);
        }
    }

    private static void SetRouteHeaders(HttpContext http, RelayContext context)
    {
        if (http.Response.HasStarted)
        {
            return;
        }

        if (context.ChannelId is { } channel)
        {
            http.Response.Headers[RelayHeaders.Channel] = channel;
        }

        http.Response.Headers[RelayHeaders.Attempts] = context.Attempts.ToString(CultureInfo.InvariantCulture);
        http.Response.Headers[RelayHeaders.Path] = context.Path;
    }

    private void Completed(RelayContext context, ChatRequest request, int status) =>
        logger.RequestCompleted(context.RequestId, context.SurfaceName, request.Model, context.ChannelId ?? "-", context.Path, status,
            context.Attempts, (long)Stopwatch.GetElapsedTime(context.StartTimestamp).TotalMilliseconds);
}
