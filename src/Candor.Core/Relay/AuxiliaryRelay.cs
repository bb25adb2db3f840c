using System.Buffers;
using Candor.Core.Accounting;
using Candor.Core.Configuration;
using Candor.Core.Receipts;
using Candor.Core.Relay.Pipeline;
using Candor.Core.Routing;
using Candor.Core.Upstream;
using Candor.Protocols.Buffers;
using Candor.Protocols.Canonical;
using Candor.Protocols.Codecs;
using Microsoft.Extensions.Logging;

namespace Candor.Core.Relay;

/// <summary>The request kinds that are not chat: token counting and embeddings. They take chat's admission
/// (<see cref="AdmissionPipeline"/>), its attempt loop (<see cref="AttemptLoop"/>) and its whole-answer relay
/// (<see cref="WholeRelay"/>), and answer whole JSON documents.</summary>
/// <remarks>With a <see cref="ReceiptService"/>, each request has one signed receipt like chat (the endpoint opened
/// it, <see cref="RelayContext.Receipt"/>): hashes of the forwarded body, of the upstream's answer and of every byte
/// written to the client; sealed after settlement and before the flush that completes the response, or when the request
/// ends for a client that left (docs/receipts.md).</remarks>
internal sealed class AuxiliaryRelay(
    SnapshotHolder snapshots, Router router, TokenEstimator estimator, ILogger<AuxiliaryRelay> logger, AdmissionPipeline? admission = null,
    ReceiptService? receipts = null)
{
    /// <summary>The model label of a request whose model is not configured (the client's text is never a label).</summary>
    private const string Unknown = "(unknown)";

    private readonly AdmissionPipeline _admission = admission ?? AdmissionPipeline.Open;

    /// <summary>Counts prompt tokens: the upstream's own counter when the routed channel has one, else
    /// Candor's estimate.</summary>
    public async Task CountTokensAsync(RelayContext context, Surface surface, ChatRequest request, Action<int, IBufferWriter<byte>> writeCount)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(surface);
        ArgumentNullException.ThrowIfNull(request);
        string model = Unknown;
        try
        {
            // Counting is free: admission applies the key's allowed models and rate limits (the request counts in rpm
            // and concurrency) and reserves nothing (docs/billing.md).
            var snapshot = snapshots.Current;
            var admitted = await _admission.AdmitCountAsync(context, snapshot, request, surface.Protocol).ConfigureAwait(false);
            model = admitted.Route is null ? Unknown : request.Model;
            await CountCoreAsync(context, surface, request, writeCount, snapshot, admitted).ConfigureAwait(false);
        }
        finally
        {
            await RelayReceipts.EndAsync(context, receipts).ConfigureAwait(false);
            Completed(context, RelayTelemetry.CountTokens, model);
        }
    }

    private async Task CountCoreAsync(
        RelayContext context, Surface surface, ChatRequest request, Action<int, IBufferWriter<byte>> writeCount, RuntimeSnapshot snapshot, Pipeline.Admission admitted)
    {
        try
        {
            if (admitted.Refusal is { } refusal)
            {
                await RelayReceipts.WriteErrorAsync(context, surface, refusal.Error, receipts, refusal.Outcome).ConfigureAwait(false);
                return;
            }

            // A prompt goes to an upstream counter only when that channel complies with the caller's privacy policy and
            // is not quarantined; otherwise Candor answers with its own estimate and sends nothing. One attempt on the
            // deployment the router picks among them; without one (all unhealthy or busy), Candor's estimate.
            var state = new CountAttempt(this, context, surface, request, snapshot.Config);
            if (admitted.Deployments.Count > 0)
            {
                var route = admitted.Route!;
                var affinity = route.Strategy == RoutingStrategy.Sticky ? Router.AffinityKey(route, request, context.Port.RequestHeader(Router.AffinityHeader)) : null;
                var plan = router.Plan(snapshot, route, admitted.Deployments, affinity, 0);
                var failed = await AttemptLoop.RunAsync(context, snapshot.Config, plan, logger, state, static (s, attempt) => s.Relay.CountAttemptAsync(s, attempt), maxAttempts: 1)
                    .ConfigureAwait(false);
                if (failed is not null && state.Sent)
                {
                    RelayHeaders.SetRoute(context);
                    await RelayReceipts.WriteErrorAsync(context, surface, failed, receipts, ReceiptOutcome.Failed).ConfigureAwait(false);
                    return;
                }

                if (context.Aborted.IsCancellationRequested)
                {
                    return;
                }
            }

            context.SetHeader(RelayHeaders.CountSource, state.Count is null ? "estimate" : "upstream");
            int count = state.Count ?? estimator.CountPrompt(request);
            using var held = new PooledBufferWriter(256);
            writeCount(count, held);

            // Token counting is free: nothing is settled; the answer is held until its receipt is stored.
            await WholeRelay.AnswerAsync(context, surface, receipts, held.WrittenMemory).ConfigureAwait(false);
        }
        finally
        {
            admitted.CountLease?.Settle(0);
        }
    }

    /// <summary>The one attempt of a token count: the upstream's counter when the channel has one (else nothing is sent
    /// and Candor estimates).</summary>
    private async ValueTask<AttemptOutcome> CountAttemptAsync(CountAttempt state, Attempt attempt)
    {
        var (deployment, channel, _, _) = attempt;
        using var upstreamRequest = channel.Adapter.CreateCountTokensRequest(channel.Settings, deployment.UpstreamModel, state.Request);
        if (upstreamRequest is null)
        {
            return AttemptOutcome.Done;
        }

        var context = state.Context;
        state.Sent = true;
        await NoteForwardedAsync(context, channel, state.Request.Model, deployment, state.Surface.Protocol, upstreamRequest.Content, null).ConfigureAwait(false);
        var (body, failure) = await WholeRelay.SendAndReadAsync(context, attempt, upstreamRequest, state.Config).ConfigureAwait(false);
        if (body is null)
        {
            return failure;
        }

        using (body)
        {
            state.Count = channel.Adapter.ReadCountTokens(body.WrittenSpan);
        }

        return AttemptOutcome.Done;
    }

    /// <summary>Relays an embeddings request to the first deployment that can embed. <paramref name="rawBody"/> (the
    /// client's body) is kept, encrypted, only when the stored key's account opted in to history.</summary>
    public async Task EmbeddingsAsync(
        RelayContext context, Surface surface, EmbeddingRequest request, Action<EmbeddingResponse, IBufferWriter<byte>> writeResponse,
        ReadOnlyMemory<byte> rawBody = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(surface);
        ArgumentNullException.ThrowIfNull(request);
        string model = Unknown;
        try
        {
            var snapshot = snapshots.Current;
            var admitted = await _admission.AdmitEmbeddingsAsync(context, snapshot, request, surface.Protocol, rawBody).ConfigureAwait(false);
            model = admitted.Route is null ? Unknown : request.Model;
            var state = new EmbedAttempt(this, context, surface, request, snapshot.Config, writeResponse);
            await AttemptLoop.RelayAdmittedAsync(context, surface, receipts, router, snapshot, admitted, request.Inputs.Sum(static i => (long)i.Length) / 4, logger, state,
                static (s, attempt) => s.Relay.EmbedAttemptAsync(s, attempt)).ConfigureAwait(false);
        }
        finally
        {
            // An unsettled meter settles here with its receipt (a client that left, an exception).
            await RelayReceipts.EndAsync(context, receipts).ConfigureAwait(false);
            Completed(context, RelayTelemetry.Embeddings, model);
        }
    }

    /// <summary>Counts a request that was answered (an answer or an error); one whose client left before is not, as
    /// for chat. <paramref name="model"/> is a configured public model name, or <c>(unknown)</c>.</summary>
    private static void Completed(RelayContext context, string operation, string model)
    {
        if (context.IsCommitted)
        {
            RelayTelemetry.Completed(context, operation, model, context.Port.StatusCode);
        }
    }

    /// <summary>One embeddings attempt: the upstream's whole answer read and decoded (a failure here may go to another
    /// deployment), then metered, observed and answered by the <see cref="WholeRelay"/>.</summary>
    private async ValueTask<AttemptOutcome> EmbedAttemptAsync(EmbedAttempt state, Attempt attempt)
    {
        var (context, request) = (state.Context, state.Request);
        var (deployment, channel, lease, _) = attempt;
        using var upstreamRequest = channel.Adapter.CreateEmbeddingsRequest(channel.Settings, deployment.UpstreamModel, request);
        if (upstreamRequest is null)
        {
            return AttemptOutcome.Failed(RelayError.BadRequest($"The model '{request.Model}' does not support embeddings.", "model"), UpstreamFailure.Unsupported);
        }

        await NoteForwardedAsync(context, channel, request.Model, deployment, state.Surface.Protocol, upstreamRequest.Content,
            EncodingFormat(request, channel.Adapter.Protocol)).ConfigureAwait(false);
        var (body, failure) = await WholeRelay.SendAndReadAsync(context, attempt, upstreamRequest, state.Config).ConfigureAwait(false);
        if (body is null)
        {
            return failure;
        }

        EmbeddingResponse embeddings;
        using (body)
        {
            try
            {
                embeddings = channel.Adapter.ReadEmbeddings(body.WrittenSpan);
            }
            catch (Exception e) when (e is System.Text.Json.JsonException or FormatException or InvalidDataException)
            {
                return AttemptOutcome.Failed(UpstreamErrors.Malformed("invalid embeddings body"), UpstreamFailure.Malformed);
            }
        }

        lease.Succeeded();
        context.Receipt?.ObserveReported(embeddings.Model, embeddings.Usage);
        if (embeddings.Usage is { } reported)
        {
            lease.ReportTokens(reported.InputTokens ?? 0);
        }

        context.History?.ObserveEmbeddings(embeddings.Model, embeddings.Vectors.Count, embeddings.Vectors.Count > 0 ? embeddings.Vectors[0].Length : 0);
        if (context.Meter is { } meter)
        {
            meter.Accepted = true;
            if (embeddings.Usage is { } usage)
            {
                meter.Observe(new UsageReported(usage));
            }
        }

        // The body is held until it is settled with its receipt (which hashes it), in one write.
        using var held = new PooledBufferWriter(16 * 1024);
        state.WriteResponse(embeddings, held);
        await WholeRelay.AnswerAsync(context, state.Surface, receipts, held.WrittenMemory).ConfigureAwait(false);
        return AttemptOutcome.Done;
    }

    /// <summary>The embeddings transformation besides model mapping: a wire whose embeddings request always asks the
    /// upstream for floats (OpenAI's, <see cref="WireProfile.EmbeddingsAsFloats"/>; the client's base64 is encoded by
    /// Candor from them).</summary>
    private static Transformation? EncodingFormat(EmbeddingRequest request, WireProtocol target) =>
        !WireProfile.For(target).EmbeddingsAsFloats || request.EncodingFormat == "float" ? null
        : request.EncodingFormat is null ? new(Transformation.Injected, "encoding_format", "float")
        : new(Transformation.Injected, "encoding_format", "float (Candor encodes the answer as " + request.EncodingFormat + " for the client)");

    /// <summary>Hashes the body forwarded on this attempt and lists what changed: the model mapping, the wire when
    /// the upstream speaks another one, and <paramref name="extra"/>. Auxiliary requests are always re-encoded
    /// from the canonical request (path <c>translated</c>); the media endpoints' bodies too (<see cref="MediaRelay"/>).</summary>
    internal static async Task NoteForwardedAsync(
        RelayContext context, ChannelRuntime channel, string requestedModel, Deployment deployment, WireProtocol source, HttpContent? content,
        Transformation? extra)
    {
        string upstreamModel = deployment.UpstreamModel;
        context.Path = "translated";
        if (context.Receipt is not { } receipt)
        {
            return;
        }

        ReadOnlyMemory<byte> forwarded = content switch
        {
            IForwardedBody body => body.Body,
            null => ReadOnlyMemory<byte>.Empty,
            _ => await content.ReadAsByteArrayAsync(context.Aborted).ConfigureAwait(false),
        };
        var listed = new List<Transformation>(3);
        if (!string.Equals(requestedModel, upstreamModel, StringComparison.Ordinal))
        {
            listed.Add(new(Transformation.ModelMapping, "model", requestedModel + " -> " + upstreamModel));
        }

        var target = channel.Adapter.Protocol;
        if (source != target)
        {
            listed.Add(new(Transformation.Translated, "wire", source.ToString().ToLowerInvariant() + " -> " + target.ToString().ToLowerInvariant()));
        }

        if (extra is not null)
        {
            listed.Add(extra);
        }

        receipt.Attempts = context.Attempts;
        receipt.Path = context.Path;
        receipt.BeginAttempt(channel.Settings, upstreamModel, forwarded.Span, listed);
        receipt.ExpectedModel = deployment.ServedModel;
    }

    /// <summary>What a token count's attempt needs, and what it learnt: whether a request was sent, and the upstream's count.</summary>
    private sealed class CountAttempt(AuxiliaryRelay relay, RelayContext context, Surface surface, ChatRequest request, CandorConfig config)
    {
        public AuxiliaryRelay Relay { get; } = relay;

        public RelayContext Context { get; } = context;

        public Surface Surface { get; } = surface;

        public ChatRequest Request { get; } = request;

        public CandorConfig Config { get; } = config;

        public bool Sent { get; set; }

        public int? Count { get; set; }
    }

    /// <summary>What one embeddings attempt needs, passed through the attempt loop without a closure.</summary>
    private readonly record struct EmbedAttempt(
        AuxiliaryRelay Relay, RelayContext Context, Surface Surface, EmbeddingRequest Request, CandorConfig Config,
        Action<EmbeddingResponse, IBufferWriter<byte>> WriteResponse);
}
