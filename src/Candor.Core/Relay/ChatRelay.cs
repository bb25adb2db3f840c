using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;
using Candor.Core.Accounting;
using Candor.Core.Admission;
using Candor.Core.Configuration;
using Candor.Core.Receipts;
using Candor.Core.Relay.Pipeline;
using Candor.Core.Privacy;
using Candor.Core.Privacy.Redaction;
using Candor.Core.Routing;
using Candor.Core.Upstream;
using Candor.Protocols.Buffers;
using Candor.Protocols.Canonical;
using Candor.Protocols.Codecs;
using Candor.Protocols.Sse;
using Microsoft.Extensions.Logging;

namespace Candor.Core.Relay;

/// <summary>Relays one chat request: route → upstream attempt(s) → client encoding, streamed event by
/// event. Failover happens only before the first byte reaches the client; after it, a failure ends the
/// stream with the surface's own error event.</summary>
/// <remarks>With a <see cref="BillingGate"/> (Candor has a data directory), a request of a stored key is admitted
/// (models, limits, reservation) before routing and metered in both paths; it settles before the bytes that
/// complete the answer are flushed (the whole body, or the event carrying the end marker), and in any case
/// when the request ends, so a response the client received complete always has its usage record.
/// With a <see cref="ReceiptService"/>, every request gets one signed receipt, sealed (after settlement) before
/// the same flush, or in any case when the request ends (docs/receipts.md).</remarks>
internal sealed class ChatRelay(
    SnapshotHolder snapshots, Router router, ILogger<ChatRelay> logger, BillingGate? billing = null, ReceiptService? receipts = null,
    PrivacyDirectory? privacy = null, HistoryRecorder? history = null,
    Audit.ChannelQuarantine? quarantine = null)
{
    private static readonly MediaTypeHeaderValue JsonContentType = new("application/json");

    /// <param name="context">The request's shared facts.</param>
    /// <param name="surface">The client's dialect.</param>
    /// <param name="request">The decoded request.</param>
    /// <param name="rawBody">The client's body as received (for the fast path).</param>
    public async Task RelayAsync(RelayContext context, Surface surface, ChatRequest request, ReadOnlyMemory<byte> rawBody)
    {
        var snapshot = snapshots.Current;
        var port = context.Port;
        // The endpoint opens the receipt as soon as the body is read (so a body that does not decode has one too).
        using var receipt = context.Receipt ?? receipts?.Begin(context, rawBody.Span);

        try
        {
            // Admission, in the order every relayed request takes (docs/architecture.md, "Adding a stage"): model →
            // choices (chat only: every choice is reserved and billed; server.max_choices bounds them) → privacy →
            // eligible deployments (data policy, quarantine) → redaction → billing → history.
            if (ModelStep.Admit(snapshot, context, request.Model) is not { } route)
            {
                var unknown = ModelStep.Unknown(request.Model);
                await WriteErrorAsync(context, surface, unknown.Error, unknown.Outcome).ConfigureAwait(false);
                Completed(context, "(unknown)", 404);
                return;
            }

            Refusal? refusal = null;
            IReadOnlyList<Deployment> deployments = [];
            if (ChoiceLimit.Check(request, snapshot.Config.MaxChoices, surface.Protocol) is { } tooMany)
            {
                refusal = Refusal.Refused(tooMany);
            }

            refusal ??= EligibleStep.Admit(context, snapshot, route, privacy, quarantine, out deployments);
            refusal ??= RedactionStep.Admit(context, request);
            refusal ??= await BillingStep.AdmitAsync(context, billing, history, snapshot, route, request, snapshot.Config.DefaultMaxOutputTokens, producesOutput: true, rawBody)
                .ConfigureAwait(false);

            if (refusal is { } stopped)
            {
                await WriteErrorAsync(context, surface, stopped.Error, stopped.Outcome).ConfigureAwait(false);
                Completed(context, request, port.StatusCode);
                return;
            }

            await RelayRoutedAsync(context, surface, request, rawBody, snapshot, route, deployments).ConfigureAwait(false);
        }
        finally
        {
            // Every request ends settled and with a receipt: here for a client that left or a response that ended early.
            await RelayReceipts.EndAsync(context, receipts).ConfigureAwait(false);
        }
    }

    /// <summary>Writes an error response; the receipt is sealed (after settlement) before the flush.</summary>
    private Task WriteErrorAsync(RelayContext context, Surface surface, RelayError error, string receiptOutcome) =>
        RelayReceipts.WriteErrorAsync(context, surface, error, receipts, receiptOutcome);

    /// <summary>Settles the request (once) and then seals its receipt (once), then writes <paramref name="held"/> (the
    /// bytes that complete the answer): false, with nothing held written, when either could not be stored.</summary>
    private Task<bool> FinishAsync(RelayContext context, StreamOutcome outcome, PooledBufferWriter? held = null) =>
        RelayReceipts.CompleteAsync(context, receipts, held?.WrittenMemory ?? ReadOnlyMemory<byte>.Empty, outcome, RelayOutcome.Receipt(outcome));

    /// <summary>Ends a stream whose settlement or receipt could not be stored: the surface's error event instead of
    /// the bytes that complete the answer, or a 503 in its envelope when nothing has been sent yet.</summary>
    private async Task FailCompletionAsync(RelayContext context, Surface surface, IChatClientEncoder encoder)
    {
        var error = StoreHealth.Unavailable();
        if (!context.Port.HasStarted)
        {
            await WriteErrorAsync(context, surface, error, ReceiptOutcome.Failed).ConfigureAwait(false);
            return;
        }

        encoder.WriteStreamError(error, context.Output);
        await ResponseWriter.FlushAsync(context.Port).ConfigureAwait(false);
    }

    private async Task RelayRoutedAsync(RelayContext context, Surface surface, ChatRequest request, ReadOnlyMemory<byte> rawBody, RuntimeSnapshot snapshot, ModelRoute route,
        IReadOnlyList<Deployment> eligible)
    {
        var port = context.Port;
        var config = snapshot.Config;

        // Selection is a function over the eligible deployments: the data-policy filter narrowed the list above.
        var plan = router.Plan(snapshot, route, eligible, AffinityKey(port, route, request), EstimateTokens(rawBody.Length, request));
        RelayError? last = null;
        while (context.Attempts < config.MaxAttempts && !context.Aborted.IsCancellationRequested)
        {
            var remaining = config.Routing.Remaining(context.StartTimestamp);
            if (remaining <= TimeSpan.Zero)
            {
                last ??= UpstreamErrors.Timeout("the request's deadline passed before an upstream answered");
                break;
            }

            if (!plan.TryNext(out var choice, out var refusal))
            {
                last ??= refusal;
                break;
            }

            var (deployment, channel, lease) = choice;
            context.Attempts++;
            context.ChannelId = channel.Settings.Id;
            if (context.Meter is { } meter)
            {
                meter.ChannelId = channel.Settings.Id;
                meter.UpstreamModel = deployment.UpstreamModel;
            }

            AttemptOutcome outcome;
            try
            {
                outcome = await AttemptAsync(context, config, surface, request, rawBody, channel, deployment, lease, remaining).ConfigureAwait(false);
                if (!outcome.Answered)
                {
                    lease.Failed(outcome.Failure, outcome.Error?.RetryAfterSeconds);
                }
            }
            finally
            {
                lease.Release();
            }

            if (outcome.Answered)
            {
                Completed(context, request, port.StatusCode);
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

        SetRouteHeaders(context);
        await WriteErrorAsync(context, surface, last ?? UpstreamErrors.Unavailable("no deployment could be tried"), ReceiptOutcome.Failed).ConfigureAwait(false);
        Completed(context, request, port.StatusCode);
    }

    /// <summary>The largest event of an upstream stream: the configured response limit, at most the parser's 16 MiB (a
    /// stream as a whole is not bounded; one event held whole is).</summary>
    private static int EventLimit(CandorConfig config) => (int)Math.Min(config.MaxUpstreamResponseBytes, SseParser.DefaultMaxEventBytes);

    /// <summary>A cheap token estimate for tpm limits (about four bytes a token, plus the output the request allows);
    /// replaced by the upstream's reported usage when the attempt ends.</summary>
    private static long EstimateTokens(int bodyBytes, ChatRequest request) => (bodyBytes / 4) + (request.MaxOutputTokens ?? 0);

    private async Task<AttemptOutcome> AttemptAsync(
        RelayContext context, CandorConfig config, Surface surface, ChatRequest request, ReadOnlyMemory<byte> rawBody, ChannelRuntime channel, Deployment deployment,
        DeploymentLease lease, TimeSpan remaining)
    {
        var adapter = channel.Adapter;
        var settings = channel.Settings;
        if ((TranslationGuard.Check(request, adapter.Protocol) ?? adapter.CheckSupported(request)) is { } unsupported)
        {
            return AttemptOutcome.Failed(unsupported, UpstreamFailure.Unsupported);
        }

        // A redacted request is re-encoded from the canonical request: the client's bytes still hold the originals.
        bool fast = config.FastPath && context.Redactions is not { Changed: true } && surface.Protocol == adapter.Protocol && adapter.SupportsRawForwarding(request);
        context.Path = fast ? "fast" : "translated";
        using var rewritten = fast ? new PooledBufferWriter(rawBody.Length + 64) : null;
        HttpRequestMessage upstreamRequest;
        if (fast)
        {
            ReadOnlyMemory<byte> body = rawBody;
            if (!WireProfile.For(adapter.Protocol).ModelInUrl && deployment.UpstreamModel != request.Model
                && ModelFieldRewriter.TryRewrite(rawBody.Span, deployment.UpstreamModel, rewritten!))
            {
                body = rewritten!.WrittenMemory;
            }

            context.ForwardedRaw = body;
            var content = new ReadOnlyMemoryContent(body);
            content.Headers.ContentType = JsonContentType;
            upstreamRequest = adapter.CreateRawChatRequest(settings, deployment.UpstreamModel, request.Stream, content);
        }
        else
        {
            upstreamRequest = adapter.CreateChatRequest(settings, deployment.UpstreamModel, request);
        }

        using var _ = upstreamRequest;
        if (context.Receipt is { } receipt)
        {
            await NoteForwardedAsync(context, receipt, request, upstreamRequest.Content, deployment.UpstreamModel, settings, adapter.Protocol, fast).ConfigureAwait(false);
            receipt.ExpectedModel = deployment.ServedModel;
        }

        if (request.ProtocolHeaders is { } forwarded && request.SourceProtocol == adapter.Protocol)
        {
            foreach (var (name, value) in forwarded)
            {
                upstreamRequest.Headers.TryAddWithoutValidation(name, value);
            }
        }

        using var timer = UpstreamCall.StartTimer(settings.FirstByteTimeout, context.Aborted, remaining);
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
                    return AttemptOutcome.Failed(UpstreamErrors.Malformed("expected text/event-stream"), UpstreamFailure.Malformed);
                }

                return await StreamAsync(context, surface, response, decoder, encoder, fast, settings, timer, sent, lease, ChoiceLimit.Of(request)).ConfigureAwait(false);
            }

            if (!UpstreamCall.IsJson(response))
            {
                context.UpstreamTicks += Stopwatch.GetTimestamp() - sent;
                return AttemptOutcome.Failed(UpstreamErrors.Malformed("expected application/json"), UpstreamFailure.Malformed);
            }

            return await WholeAsync(context, config, surface, response, decoder, encoder, fast, settings, timer, sent, lease).ConfigureAwait(false);
        }
    }

    private async Task<AttemptOutcome> WholeAsync(
        RelayContext context, CandorConfig config, Surface surface, HttpResponseMessage response, IChatUpstreamDecoder decoder, IChatClientEncoder encoder,
        bool fast, ChannelSettings settings, CancellationTokenSource timer, long sent, DeploymentLease lease)
    {
        using var body = new PooledBufferWriter(16 * 1024);
        var events = new List<ChatEvent>();
        try
        {
            await UpstreamCall.ReadJsonAsync(response, body, timer, settings.IdleTimeout, config.MaxUpstreamResponseBytes).ConfigureAwait(false);
            context.Receipt?.HashUpstream(body.WrittenSpan);
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

        foreach (var ev in events)
        {
            if (ev is StreamFailed failed)
            {
                return AttemptOutcome.Failed(failed.Error, retryable: true);
            }
        }

        // Privacy (in): the client gets its originals back; metering keeps what the upstream produced.
        var forClient = events;
        if (context.Redactions is { HasPseudonyms: true } redactor)
        {
            forClient = [.. events];
            new PseudonymRestorer(redactor).Restore(forClient, final: true);
        }

        var accumulator = new ChatResponseAccumulator();
        foreach (var ev in forClient)
        {
            if (ev is UsageReported reported)
            {
                lease.ReportTokens((reported.Usage.InputTokens ?? 0) + (reported.Usage.OutputTokens ?? 0));
            }

            accumulator.Add(ev);
            context.Receipt?.Observe(ev);
        }

        lease.Succeeded();

        if (context.Meter is { } meter)
        {
            // Durability: the meter settles with the receipt in CompleteWholeAsync, before the client can see the answer.
            meter.Accepted = true;
            foreach (var ev in events)
            {
                meter.Observe(ev);
            }
        }

        var whole = accumulator.Response;
        SetRouteHeaders(context);
        if (whole.Model is { } served)
        {
            context.SetHeader(RelayHeaders.ServedModel, RelayHeaders.Encode(served));
        }

        context.SetHeader(RelayHeaders.Overhead, context.OverheadMilliseconds().ToString("0.###", CultureInfo.InvariantCulture));
        context.Commit(200, "application/json");
        // The body is held until its receipt (which hashes it) is stored, like the usage record: nothing reaches the
        // response before both are durable, so a failure can still be a clean 503.
        using var encoded = fast ? null : new PooledBufferWriter(16 * 1024);
        if (!fast)
        {
            encoder.WriteResponse(whole, encoded!);
        }

        await RelayReceipts.CompleteWholeAsync(context, surface, receipts, (fast ? body : encoded!).WrittenMemory, ReceiptOutcome.Complete).ConfigureAwait(false);
        return AttemptOutcome.Done;
    }

    private async Task<AttemptOutcome> StreamAsync(
        RelayContext context, Surface surface, HttpResponseMessage response, IChatUpstreamDecoder decoder, IChatClientEncoder encoder,
        bool fast, ChannelSettings settings, CancellationTokenSource timer, long sent, DeploymentLease lease, int choices)
    {
        var port = context.Port;
        var profile = WireProfile.For(surface.Protocol);
        var events = new List<ChatEvent>();
        using var pending = new PooledBufferWriter(4096);
        bool ended = false, endMarker = false, finished = false, wroteEnd = false;

        // With several choices a Gemini fast-path answer (no end marker) settles when every choice has finished.
        var finishedChoices = choices > 1 ? new HashSet<int>() : null;
        bool AllFinished() => finished && (finishedChoices is null || finishedChoices.Count >= choices);

        var restorer = !fast && context.Redactions is { HasPseudonyms: true } redactor ? new PseudonymRestorer(redactor) : null;
        Stream? body = null;
        SseStreamReader? reader = null;
        try
        {
            // Before the first byte: read until the upstream has said something meaningful, so that a
            // failure here can still go to another deployment.
            try
            {
                var upstream = await response.Content.ReadAsStreamAsync(timer.Token).ConfigureAwait(false);
                body = new IdleTimeoutStream(context.Receipt?.HashUpstream(upstream) ?? upstream, timer, settings.IdleTimeout);
                reader = new SseStreamReader(body, EventLimit(snapshots.Current.Config));
                while (events.Count == 0 && !ended)
                {
                    var ev = await reader.ReadAsync(timer.Token).ConfigureAwait(false);
                    if (ev is not { } e)
                    {
                        ended = true;
                        break;
                    }

                    if (!decoder.DecodeStreamEvent(e, events))
                    {
                        ended = endMarker = true;
                    }

                    if (fast)
                    {
                        SseWriter.WriteRelayed(pending, e);
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
                return AttemptOutcome.Failed(UpstreamErrors.Malformed("the stream ended without any event"), UpstreamFailure.Malformed);
            }

            if (events[0] is StreamFailed early)
            {
                return AttemptOutcome.Failed(early.Error, retryable: true);
            }

            // Commit: from here on the client has the response and nothing can be retried.
            lease.Succeeded();
            context.SetHeader("cache-control", "no-cache");
            context.SetHeader("x-accel-buffering", "no");
            SetRouteHeaders(context);
            if (events.OfType<ResponseStarted>().FirstOrDefault()?.Model is { } served)
            {
                context.SetHeader(RelayHeaders.ServedModel, RelayHeaders.Encode(served));
            }

            context.SetHeader(RelayHeaders.Overhead, context.OverheadMilliseconds().ToString("0.###", CultureInfo.InvariantCulture));
            context.Commit(200, "text/event-stream; charset=utf-8");
            var pipe = port.Body;
            var output = context.Output;

            // The bytes that complete the answer (the end marker, or Gemini's final chunk on its fast path) are held
            // here until the usage record and the receipt are stored; a failure to store them ends the stream with the
            // surface's error event instead (docs/fail-closed.md).
            using var held = new PooledBufferWriter(256);
            var meter = context.Meter;
            if (meter is not null)
            {
                meter.Accepted = true;
            }

            finished |= Emit(events, encoder, !fast && endMarker ? held : output, fast, meter, context.Receipt, lease, restorer, finishedChoices, out var failedEarly);
            bool completing = failedEarly is null && (endMarker || (fast && !profile.HasEndMarker && AllFinished()));
            Place(fast ? pending.WrittenSpan : default, completing, held, output);

            // Only the events before the commit are held here: an open stream keeps no buffer of its own.
            pending.Dispose();
            if (failedEarly is not null)
            {
                lease.BrokeAfterStart(FailureClassifier.FromError(failedEarly));
                await FinishAsync(context, StreamOutcome.UpstreamFailed).ConfigureAwait(false);
                await ResponseWriter.FlushAsync(port).ConfigureAwait(false);
                return AttemptOutcome.Done;
            }

            if (completing)
            {
                wroteEnd = WriteEnd(encoder, held, fast, endMarker);
                if (!await FinishAsync(context, StreamOutcome.Completed, held).ConfigureAwait(false))
                {
                    await FailCompletionAsync(context, surface, encoder).ConfigureAwait(false);
                    return AttemptOutcome.Done;
                }

                held.Clear();
            }

            await pipe.FlushAsync(context.Aborted).ConfigureAwait(false);
            var burst = default(BurstFlush);
            RelayError? broken = null;
            UpstreamFailure? brokenFailure = null;
            try
            {
                while (!ended)
                {
                    // Flush when the next upstream event is not already in memory, and at least every 64 KB
                    // or 64 events (BurstFlush: the flush is the backpressure).
                    var next = reader!.ReadAsync(timer.Token);
                    if (burst.ShouldFlush(next.IsCompleted, pipe))
                    {
                        await pipe.FlushAsync(context.Aborted).ConfigureAwait(false);
                    }

                    var ev = await next.ConfigureAwait(false);
                    if (ev is not { } e)
                    {
                        break;
                    }

                    events.Clear();
                    if (!decoder.DecodeStreamEvent(e, events))
                    {
                        endMarker = ended = true;
                    }

                    // The fast path writes the upstream's own bytes after decoding them (Emit writes nothing there), so
                    // that the event completing the answer can be held.
                    bool finishing = Emit(events, encoder, !fast && endMarker ? held : output, fast, meter, context.Receipt, lease, restorer, finishedChoices, out var failed);
                    finished |= finishing;
                    bool completingNow = failed is null && (endMarker || (fast && !profile.HasEndMarker && finishing && AllFinished()));
                    if (fast)
                    {
                        SseWriter.WriteRelayed(completingNow ? held : output, e);
                    }
                    else
                    {
                        Place(default, completingNow, held, output);
                    }

                    if (failed is not null)
                    {
                        lease.BrokeAfterStart(FailureClassifier.FromError(failed));
                        logger.StreamBroken(context.RequestId, settings.Id, failed.Kind.ToString());
                        await FinishAsync(context, StreamOutcome.UpstreamFailed).ConfigureAwait(false);
                        await pipe.FlushAsync(context.Aborted).ConfigureAwait(false);
                        return AttemptOutcome.Done;
                    }

                    // The event that completes the answer for the client is written only after settlement and seal:
                    // the end marker, or Gemini's final chunk on its fast path (Gemini has no end marker).
                    // The next flush (top of the loop, or after it) carries it.
                    if (completingNow)
                    {
                        wroteEnd = WriteEnd(encoder, held, fast, endMarker);
                        if (!await FinishAsync(context, StreamOutcome.Completed, held).ConfigureAwait(false))
                        {
                            await FailCompletionAsync(context, surface, encoder).ConfigureAwait(false);
                            return AttemptOutcome.Done;
                        }

                        held.Clear();
                    }
                }
            }
            catch (Exception e) when (UpstreamCall.IsReadFailure(e) && UpstreamCall.Classify(e, "during the stream", context.Aborted) is { Error: { } error } failed)
            {
                // A client that left is handled by the outer catch. The failure class comes from the classifier (an
                // event over the response limit is the client's request asking for too much, not the deployment's fault).
                broken = error;
                brokenFailure = failed.Failure;
            }

            if (broken is null && !endMarker && !finished)
            {
                broken = UpstreamErrors.Unavailable("the stream ended before the response was complete");
            }

            if (restorer is not null)
            {
                // Release any text still held at a possible placeholder prefix.
                events.Clear();
                restorer.Restore(events, final: true);
                Emit(events, encoder, output, fast, null, null, null, null, null, out _);
            }

            if (broken is not null)
            {
                if (!context.Aborted.IsCancellationRequested)
                {
                    lease.BrokeAfterStart(brokenFailure ?? FailureClassifier.FromError(broken));
                }

                logger.StreamBroken(context.RequestId, settings.Id, broken.Kind.ToString());
                encoder.WriteStreamError(broken, output);
                await FinishAsync(context, context.Aborted.IsCancellationRequested ? StreamOutcome.ClientDisconnected : StreamOutcome.UpstreamFailed).ConfigureAwait(false);
            }
            else
            {
                if (!wroteEnd)
                {
                    WriteEnd(encoder, held, fast, true);
                }

                if (!await FinishAsync(context, StreamOutcome.Completed, held).ConfigureAwait(false))
                {
                    await FailCompletionAsync(context, surface, encoder).ConfigureAwait(false);
                    return AttemptOutcome.Done;
                }
            }

            await ResponseWriter.FlushAsync(port).ConfigureAwait(false);
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

    /// <summary>A failed read before the first byte (<see cref="UpstreamCall.FailedRead"/>): retryable on another deployment unless the answer
    /// was over the limit, or done when the client left.</summary>
    private static AttemptOutcome FailedRead(Exception e, RelayContext context, string phase) => UpstreamCall.FailedRead(e, phase, context.Aborted);

    /// <summary>Encodes decoded events for the client (translated path) and reports whether a choice
    /// finished (adding its index to <paramref name="finishedChoices"/>) and whether the upstream reported a failure inside the stream.</summary>
    private static bool Emit(
        List<ChatEvent> events, IChatClientEncoder encoder, System.Buffers.IBufferWriter<byte> output, bool fast, RequestMeter? meter, ReceiptDraft? receipt,
        DeploymentLease? lease, PseudonymRestorer? restorer, HashSet<int>? finishedChoices, out RelayError? failed)
    {
        bool finished = false;
        failed = null;
        if (restorer is not null)
        {
            // Metering sees what the upstream produced; the client gets the originals back.
            foreach (var ev in events)
            {
                meter?.Observe(ev);
            }

            meter = null;
            restorer.Restore(events, final: false);
        }

        foreach (var ev in events)
        {
            meter?.Observe(ev);
            receipt?.Observe(ev);
            switch (ev)
            {
                case UsageReported reported:
                    lease?.ReportTokens((reported.Usage.InputTokens ?? 0) + (reported.Usage.OutputTokens ?? 0));
                    break;
                case StreamFailed f:
                    failed = f.Error;
                    if (!fast)
                    {
                        encoder.WriteStreamError(f.Error, output);
                    }

                    return finished;
                case ChoiceFinished f:
                    finished = true;
                    finishedChoices?.Add(f.Choice);
                    break;
            }

            if (!fast)
            {
                encoder.WriteStreamEvent(ev, output);
            }
        }

        return finished;
    }

    /// <summary>Routes a batch's bytes: held back when they complete the answer, else to the client. The translated path's
    /// encoder already wrote into <paramref name="held"/> when the batch carried the end marker; a batch that turned out
    /// not to complete the answer (the upstream reported a failure in it) goes to the client after all.</summary>
    private static void Place(ReadOnlySpan<byte> raw, bool completing, PooledBufferWriter held, System.Buffers.IBufferWriter<byte> output)
    {
        if (completing)
        {
            held.Write(raw);
            return;
        }

        if (held.WrittenCount > 0)
        {
            output.Write(held.WrittenSpan);
            held.Clear();
        }

        output.Write(raw);
    }

    /// <summary>Writes the translated stream's end (the fast path relays the upstream's own end marker) before the
    /// receipt hashes what was delivered; returns whether the end is now written.</summary>
    private static bool WriteEnd(IChatClientEncoder encoder, System.Buffers.IBufferWriter<byte> output, bool fast, bool endMarker)
    {
        if (!fast && endMarker)
        {
            encoder.WriteStreamEnd(output);
            return true;
        }

        return fast;
    }

    /// <summary>Hashes the body forwarded on this attempt, lists the transformations applied to it and, on the
    /// translated path, checks the forwarded parameters against the client's.</summary>
    private static async Task NoteForwardedAsync(
        RelayContext context, ReceiptDraft receipt, ChatRequest request, HttpContent? content, string upstreamModel, ChannelSettings settings, WireProtocol protocol, bool fast)
    {
        ReadOnlyMemory<byte> forwarded = content switch
        {
            IForwardedBody body => body.Body,
            ReadOnlyMemoryContent => ReadOnlyMemory<byte>.Empty,
            null => ReadOnlyMemory<byte>.Empty,
            _ => await content.ReadAsByteArrayAsync(context.Aborted).ConfigureAwait(false),
        };
        receipt.Attempts = context.Attempts;
        receipt.Path = context.Path;
        receipt.BeginAttempt(settings, upstreamModel, fast ? context.ForwardedRaw.Span : forwarded.Span, ParameterIntegrity.Declared(request, upstreamModel, protocol, fast));
        if (!fast)
        {
            foreach (string flag in ParameterIntegrity.Check(request, forwarded.Span, protocol, upstreamModel, receipt.Transformations))
            {
                receipt.Flag(flag);
            }
        }
    }

    private static void SetRouteHeaders(RelayContext context)
    {
        if (context.ChannelId is { } channel)
        {
            context.SetHeader(RelayHeaders.Channel, channel);
        }

        context.SetHeader(RelayHeaders.Attempts, context.Attempts.ToString(CultureInfo.InvariantCulture));
        context.SetHeader(RelayHeaders.Path, context.Path);
    }

    /// <summary>The sticky strategy's key; the affinity header is read only for a route that uses it.</summary>
    private static string? AffinityKey(ResponsePort port, ModelRoute route, ChatRequest request) =>
        route.Strategy == RoutingStrategy.Sticky ? Router.AffinityKey(route, request, port.RequestHeader(Router.AffinityHeader)) : null;

    private void Completed(RelayContext context, ChatRequest request, int status) => Completed(context, request.Model, status);

    /// <summary>Logs the request's metadata. <paramref name="model"/> is a configured public model name, never a
    /// name the client made up (an unknown one is logged as "(unknown)": it is the client's text).</summary>
    private void Completed(RelayContext context, string model, int status) =>
        logger.RequestCompleted(context.RequestId, context.SurfaceName, model, context.ChannelId ?? "-", context.Path, status,
            context.Attempts, (long)Stopwatch.GetElapsedTime(context.StartTimestamp).TotalMilliseconds);
}
