using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using Candor.Core.Admission;
using Candor.Core.Configuration;
using Candor.Core.Receipts;
using Candor.Core.Relay.Pipeline;
using Candor.Core.Privacy.Redaction;
using Candor.Core.Routing;
using Candor.Core.Upstream;
using Candor.Protocols.Buffers;
using Candor.Protocols.Canonical;
using Candor.Protocols.Codecs;
using Candor.Protocols.Sse;
using Microsoft.Extensions.Logging;

namespace Candor.Core.Relay;

/// <summary>Relays one chat request (every surface that answers with generated text): admission
/// (<see cref="AdmissionPipeline"/>), then attempts in the router's order (<see cref="AttemptLoop"/>), each sent on the fast
/// path (the client's bytes, model replaced) or translated through the canonical model, and answered by the
/// <see cref="StreamingRelay"/> or the <see cref="WholeRelay"/>. Failover happens only before the first byte reaches the
/// client; after it, a failure ends the stream with the surface's own error event.</summary>
/// <remarks>Every request ends settled and with one receipt: the relays settle and seal (in one write) before the bytes
/// that complete the answer are flushed, an error is sealed before its flush, and whatever a request left open (a client
/// that left, an exception) is settled and sealed when it ends (<see cref="RelayReceipts.EndAsync"/>; docs/receipts.md).</remarks>
internal sealed class ChatRelay(
    SnapshotHolder snapshots, Router router, ILogger<ChatRelay> logger, AdmissionPipeline? admission = null, ReceiptService? receipts = null)
{
    private static readonly MediaTypeHeaderValue JsonContentType = new("application/json");

    private readonly AdmissionPipeline _admission = admission ?? AdmissionPipeline.Open;

    /// <param name="context">The request's shared facts.</param>
    /// <param name="surface">The client's dialect.</param>
    /// <param name="request">The decoded request.</param>
    /// <param name="rawBody">The client's body as received (for the fast path), held by the caller for the whole request.</param>
    public Task RelayAsync(RelayContext context, Surface surface, ChatRequest request, ReadOnlyMemory<byte> rawBody) =>
        RelayAsync(context, surface, request, RequestBytes.Borrowed(rawBody));

    /// <param name="context">The request's shared facts.</param>
    /// <param name="surface">The client's dialect.</param>
    /// <param name="request">The decoded request; its messages are dropped at the commit unless the surface's encoder
    /// reads them after it (<see cref="Surface.EncoderReadsPrompt"/>).</param>
    /// <param name="body">The client's body as received (for the fast path), released at the commit
    /// (<see cref="RelayContext.ClientBody"/>): no attempt follows it.</param>
    public async Task RelayAsync(RelayContext context, Surface surface, ChatRequest request, RequestBytes body)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(surface);
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(body);
        var snapshot = snapshots.Current;
        context.ClientBody = body;
        context.PromptDroppedAtCommit = surface.EncoderReadsPrompt ? null : request;

        // The endpoint opens the receipt as soon as the body is read (so a body that does not decode has one too).
        using var receipt = context.Receipt ?? receipts?.Begin(context, body.Memory.Span);
        try
        {
            // The body is read through its owner each time (no copy of its memory outlives the commit in this frame).
            var admitted = await _admission.AdmitChatAsync(context, snapshot, request, surface.Protocol, body.Memory).ConfigureAwait(false);
            if (admitted.Refusal is { } refusal)
            {
                await RelayReceipts.WriteErrorAsync(context, surface, refusal.Error, receipts, refusal.Outcome).ConfigureAwait(false);
                Completed(context, admitted.Route is null ? "(unknown)" : request.Model, context.Port.StatusCode);
                return;
            }

            // Selection is a function over the eligible deployments: the data-policy filter narrowed the list above.
            var route = admitted.Route!;
            var plan = router.Plan(snapshot, route, admitted.Deployments, AffinityKey(context.Port, route, request), EstimateTokens(body.Length, request));
            var state = new ChatAttempt(this, context, surface, request, body, snapshot.Config);
            var failed = await AttemptLoop.RunAsync(context, snapshot.Config, plan, logger, state, static (s, attempt) => s.Relay.AttemptAsync(s, attempt))
                .ConfigureAwait(false);
            if (failed is not null)
            {
                RelayHeaders.SetRoute(context);
                await RelayReceipts.WriteErrorAsync(context, surface, failed, receipts, ReceiptOutcome.Failed).ConfigureAwait(false);
            }

            if (failed is not null || context.IsCommitted)
            {
                Completed(context, request.Model, context.Port.StatusCode);
            }
        }
        finally
        {
            // Every request ends settled and with a receipt: here for a client that left or a response that ended early.
            await RelayReceipts.EndAsync(context, receipts).ConfigureAwait(false);
        }
    }

    /// <summary>The largest event of an upstream stream: the configured response limit, at most the parser's 16 MiB (a
    /// stream as a whole is not bounded; one event held whole is).</summary>
    private static int EventLimit(CandorConfig config) => (int)Math.Min(config.MaxUpstreamResponseBytes, SseParser.DefaultMaxEventBytes);

    /// <summary>A cheap token estimate for tpm limits (about four bytes a token, plus the output the request allows);
    /// replaced by the upstream's reported usage when the attempt ends.</summary>
    private static long EstimateTokens(int bodyBytes, ChatRequest request) => (bodyBytes / 4) + (request.MaxOutputTokens ?? 0);

    /// <summary>One attempt: the upstream request (fast or translated) sent, and its answer relayed or its failure returned.</summary>
    private async ValueTask<AttemptOutcome> AttemptAsync(ChatAttempt state, Attempt attempt)
    {
        // Read through its owner: an attempt after the commit (none is made) would fail here rather than forward a returned array.
        var (context, surface, request, clientBody, config) = (state.Context, state.Surface, state.Request, state.Body, state.Config);
        var rawBody = clientBody.Memory;
        var (deployment, channel, _, remaining) = attempt;
        var adapter = channel.Adapter;
        var settings = channel.Settings;
        // A Responses request goes as it is to an upstream that serves the Responses API itself (and keeps the state it is
        // asked to keep), a legacy completions request to an upstream that serves /completions; anywhere else they are
        // translated, and what only the same-wire upstream serves is refused.
        var responses = ResponsesUpstream(context, surface, adapter, config);
        var completions = responses is null ? CompletionsUpstream(request, surface, adapter, settings, deployment.UpstreamModel, config) : null;
        if (responses is null && completions is null
            && (request.ServerState ?? TranslationGuard.Check(request, adapter.Protocol) ?? adapter.CheckSupported(request)) is { } unsupported)
        {
            return AttemptOutcome.Failed(unsupported, UpstreamFailure.Unsupported);
        }

        // A redacted request is re-encoded from the canonical request: the client's bytes still hold the originals.
        bool redacted = context.Redactions is { Changed: true };
        bool fast = responses is not null || (completions is not null && !redacted) || (config.FastPath && !redacted && surface.ForwardsRawBody
            && surface.Protocol == adapter.Protocol && adapter.SupportsRawForwarding(request));
        context.Path = fast ? "fast" : "translated";
        // The forwarded copy (model replaced, or a redacted completions body; its buffer rented only when written) is this
        // attempt's: released when the attempt ends, or at the commit if that comes first (RelayContext.ForwardedBody); a
        // send still in progress holds it.
        using var copy = fast || completions is not null ? new ForwardedCopy(context, rawBody.Length) : null;
        HttpRequestMessage upstreamRequest;
        if (fast)
        {
            var body = clientBody;
            if (!WireProfile.For(adapter.Protocol).ModelInUrl && deployment.UpstreamModel != request.Model
                && ModelFieldRewriter.TryRewrite(rawBody.Span, deployment.UpstreamModel, copy!.Writer))
            {
                body = copy!.Seal();
            }
            else
            {
                // The client's bytes go as they are: a rewrite that gave up gives its buffer back now, not at the attempt's end.
                copy?.Dispose();
            }

            context.ForwardedRaw = body.Memory;
            var content = new RequestBytesContent(body);
            content.Headers.ContentType = JsonContentType;
            upstreamRequest = responses?.CreateRawResponsesRequest(settings, request.Stream, content)
                ?? completions?.CreateRawCompletionsRequest(settings, deployment.UpstreamModel, request.Stream, content)
                ?? adapter.CreateRawChatRequest(settings, deployment.UpstreamModel, request.Stream, content);
        }
        else if (completions is not null)
        {
            // Same wire, redacted: the client's completions body with the redacted texts, answered through the surface's
            // encoder so that pseudonyms are restored.
            completions.WriteRedactedCompletionsBody(rawBody.Span, deployment.UpstreamModel, request, copy!.Writer);
            var body = copy!.Seal();
            context.ForwardedRaw = body.Memory;
            var content = new RequestBytesContent(body);
            content.Headers.ContentType = JsonContentType;
            upstreamRequest = completions.CreateRawCompletionsRequest(settings, deployment.UpstreamModel, request.Stream, content);
        }
        else
        {
            upstreamRequest = adapter.CreateChatRequest(settings, deployment.UpstreamModel, request);
        }

        using var _ = upstreamRequest;
        if (context.Receipt is { } receipt)
        {
            await NoteForwardedAsync(context, receipt, request, upstreamRequest.Content, deployment.UpstreamModel, settings,
                responses is null ? adapter.Protocol : WireProtocol.OpenAIResponses, fast, surface.LegacyCompletions ? completions is not null : null,
                completions, adapter).ConfigureAwait(false);
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
        var (response, failure) = await UpstreamCall.SendAsync(channel, upstreamRequest, timer, context.Aborted, context.Receipt).ConfigureAwait(false);
        if (response is null)
        {
            context.UpstreamTicks += Stopwatch.GetTimestamp() - sent;
            return failure;
        }

        using (response)
        {
            var codecs = new AttemptCodecs(
                responses?.CreateResponsesDecoder() ?? completions?.CreateCompletionsDecoder() ?? adapter.CreateDecoder(settings), surface.CreateEncoder(request), fast);
            if (!request.Stream)
            {
                return await WholeAsync(state, attempt, response, codecs, timer, sent).ConfigureAwait(false);
            }

            if (!UpstreamCall.IsEventStream(response))
            {
                context.UpstreamTicks += Stopwatch.GetTimestamp() - sent;
                return AttemptOutcome.Failed(UpstreamErrors.Malformed("expected text/event-stream"), UpstreamFailure.Malformed);
            }

            var stream = new StreamingRelay(context, surface, receipts, logger, attempt, codecs, ChoiceLimit.Of(request));
            return await stream.RelayAsync(response, timer, sent, EventLimit(config)).ConfigureAwait(false);
        }
    }

    /// <summary>The upstream's Responses API when this attempt relays a Responses request to it on the same wire: the
    /// surface is the Responses API, the channel's adapter serves it too, the fast path is on and nothing was redacted
    /// (a redacted request is re-encoded, and only as chat).</summary>
    private static IResponsesUpstream? ResponsesUpstream(RelayContext context, Surface surface, IProviderAdapter adapter, CandorConfig config) =>
        surface.Protocol == WireProtocol.OpenAIResponses && surface.ForwardsRawBody && config.FastPath && context.Redactions is not { Changed: true }
            ? adapter as IResponsesUpstream
            : null;

    /// <summary>The upstream's legacy completions when this attempt passes a <c>/v1/completions</c> request through to it: the
    /// surface is legacy completions, the fast path is on, the channel serves that endpoint for the deployment's model
    /// (<see cref="ICompletionsUpstream.ServesCompletions"/>), and usage arrives unchanged (not streamed, or the client asked
    /// for stream usage) unless the request needs the endpoint (several prompts, n, echo…), which nothing else serves.</summary>
    private static ICompletionsUpstream? CompletionsUpstream(
        ChatRequest request, Surface surface, IProviderAdapter adapter, ChannelSettings settings, string upstreamModel, CandorConfig config) =>
        surface.LegacyCompletions && config.FastPath && adapter is ICompletionsUpstream completions && completions.ServesCompletions(settings, upstreamModel)
        && (!request.Stream || request.IncludeUsage || request.ServerState is not null)
            ? completions
            : null;

    /// <summary>A whole answer: read and decoded (a failure here may still go to another deployment), placeholders
    /// restored for the client, then answered by the <see cref="WholeRelay"/> — the upstream's own bytes on the fast path,
    /// else the surface's encoding of the accumulated response.</summary>
    private async ValueTask<AttemptOutcome> WholeAsync(
        ChatAttempt state, Attempt attempt, HttpResponseMessage response, AttemptCodecs codecs, CancellationTokenSource timer, long sent)
    {
        var context = state.Context;
        PooledBufferWriter? body;
        AttemptOutcome failure;
        var events = new List<ChatEvent>();
        try
        {
            (body, failure) = await WholeRelay.ReadAsync(context, response, timer, attempt.Channel.Settings, state.Config).ConfigureAwait(false);
            if (body is null)
            {
                return failure;
            }

            try
            {
                codecs.Decoder.DecodeResponse(body.WrittenSpan, events);
            }
            catch (Exception e) when (UpstreamCall.IsReadFailure(e))
            {
                body.Dispose();
                return UpstreamCall.FailedRead(e, UpstreamCall.ReadingTheResponse, context.Aborted);
            }
        }
        finally
        {
            context.UpstreamTicks += Stopwatch.GetTimestamp() - sent;
        }

        using (body)
        {
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

            // The fast path answers with the upstream's own bytes: of the accumulated response it needs only the served
            // model (the last start's, as the accumulator keeps it), so it accumulates nothing.
            var lease = attempt.Lease;
            var accumulator = codecs.Fast ? null : new ChatResponseAccumulator();
            string? served = null;
            foreach (var ev in forClient)
            {
                if (ev is UsageReported reported)
                {
                    lease.ReportTokens((reported.Usage.InputTokens ?? 0) + (reported.Usage.OutputTokens ?? 0));
                }
                else if (ev is ResponseStarted started)
                {
                    served = started.Model;
                }

                accumulator?.Add(ev);
                context.Receipt?.Observe(ev);
            }

            lease.Succeeded();
            if (context.Meter is { } meter)
            {
                // Durability: the meter settles with the receipt in the whole relay, before the client can see the answer.
                meter.Accepted = true;
                foreach (var ev in events)
                {
                    meter.Observe(ev);
                }
            }

            if (served is not null)
            {
                context.SetHeader(RelayHeaders.ServedModel, RelayHeaders.Encode(served));
            }

            context.SetHeader(RelayHeaders.Overhead, context.OverheadMilliseconds().ToString("0.###", CultureInfo.InvariantCulture));

            // The body is held until its receipt (which hashes it) is stored, like the usage record: nothing reaches the
            // response before both are durable, so a failure can still be a clean 503.
            using var encoded = codecs.Fast ? null : new PooledBufferWriter(16 * 1024);
            if (accumulator is not null)
            {
                codecs.Encoder.WriteResponse(accumulator.Response, encoded!);
            }

            await WholeRelay.AnswerAsync(context, state.Surface, receipts, (codecs.Fast ? body : encoded!).WrittenMemory).ConfigureAwait(false);
            return AttemptOutcome.Done;
        }
    }

    /// <summary>Hashes the body forwarded on this attempt, lists the transformations applied to it and, on the
    /// translated path, checks the forwarded parameters against the client's. <paramref name="completions"/> is null for
    /// every surface but legacy completions, and there says whether the attempt went to an upstream's own
    /// <c>/completions</c> (<paramref name="completionsUpstream"/>; else it was translated to chat).</summary>
    private static async Task NoteForwardedAsync(
        RelayContext context, ReceiptDraft receipt, ChatRequest request, HttpContent? content, string upstreamModel, ChannelSettings settings,
        WireProtocol protocol, bool fast, bool? completions, ICompletionsUpstream? completionsUpstream, IProviderAdapter adapter)
    {
        ReadOnlyMemory<byte> forwarded = content switch
        {
            IForwardedBody body => body.Body,
            RequestBytesContent => ReadOnlyMemory<byte>.Empty,
            null => ReadOnlyMemory<byte>.Empty,
            _ => await content.ReadAsByteArrayAsync(context.Aborted).ConfigureAwait(false),
        };
        bool sameWire = fast || completions == true;
        receipt.Attempts = context.Attempts;
        receipt.Path = context.Path;
        var declared = ParameterIntegrity.Declared(request, upstreamModel, protocol, sameWire);
        if (!sameWire)
        {
            adapter.Declare(request, upstreamModel, declared);
        }

        if (completions is { } passed && !fast)
        {
            declared.Add(passed
                ? new Transformation(Transformation.Translated, "surface", "openai completions re-encoded on the same wire (redacted texts)")
                : new Transformation(Transformation.Translated, "surface", "openai completions -> chat (the prompt as one user message)"));
        }

        receipt.BeginAttempt(settings, upstreamModel, sameWire ? context.ForwardedRaw.Span : forwarded.Span, declared);
        if (fast)
        {
            return;
        }

        var flags = completionsUpstream is not null
            ? completionsUpstream.TryDecodeCompletionsRequest(context.ForwardedRaw, out var sent)
                ? ParameterIntegrity.Compare(request, sent, receipt.Transformations)
                : [AuditFlags.ForwardedUnreadable]
            : ParameterIntegrity.Check(request, forwarded.Span, protocol, upstreamModel, receipt.Transformations);
        foreach (string flag in flags)
        {
            receipt.Flag(flag);
        }
    }

    /// <summary>What one attempt of this request needs, passed through the attempt loop without a closure.</summary>
    private readonly record struct ChatAttempt(
        ChatRelay Relay, RelayContext Context, Surface Surface, ChatRequest Request, RequestBytes Body, CandorConfig Config);


    /// <summary>The sticky strategy's key; the affinity header is read only for a route that uses it.</summary>
    private static string? AffinityKey(ResponsePort port, ModelRoute route, ChatRequest request) =>
        route.Strategy == RoutingStrategy.Sticky ? Router.AffinityKey(route, request, port.RequestHeader(Router.AffinityHeader)) : null;

    /// <summary>Logs and counts the request's metadata. <paramref name="model"/> is a configured public model name, never a
    /// name the client made up (an unknown one is logged as "(unknown)": it is the client's text).</summary>
    private void Completed(RelayContext context, string model, int status)
    {
        logger.RequestCompleted(context.RequestId, context.SurfaceName, model, context.ChannelId ?? "-", context.Path, status,
            context.Attempts, (long)Stopwatch.GetElapsedTime(context.StartTimestamp).TotalMilliseconds);
        RelayTelemetry.Completed(context, RelayTelemetry.Chat, model, status);
    }
}
