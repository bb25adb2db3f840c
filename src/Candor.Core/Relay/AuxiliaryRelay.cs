using System.Diagnostics;
using System.Globalization;
using System.Buffers;
using Candor.Core.Accounting;
using Candor.Core.Receipts;
using Candor.Core.Relay.Pipeline;
using Candor.Core.Routing;
using Candor.Core.Upstream;
using Candor.Protocols.Buffers;
using Candor.Protocols.Canonical;
using Candor.Protocols.Codecs;

namespace Candor.Core.Relay;

/// <summary>The request kinds that are not chat: token counting and embeddings. They share routing and
/// upstream failure handling with chat, and answer whole JSON documents.</summary>
/// <remarks>With a <see cref="ReceiptService"/>, each request has one signed receipt like chat (the endpoint opened
/// it, <see cref="RelayContext.Receipt"/>): hashes of the forwarded body, of the upstream's answer and of every byte
/// written to the client; sealed after settlement and before the flush that completes the response, or in the
/// <c>finally</c> for a client that left (docs/receipts.md).</remarks>
internal sealed class AuxiliaryRelay(
    SnapshotHolder snapshots, Router router, TokenEstimator estimator, Candor.Core.Admission.BillingGate? billing = null,
    Candor.Core.Privacy.PrivacyDirectory? privacy = null, Candor.Core.Privacy.HistoryRecorder? history = null, ReceiptService? receipts = null,
    Audit.ChannelQuarantine? quarantine = null)
{
    /// <summary>Counts prompt tokens: the upstream's own counter when the routed channel has one, else
    /// Candor's estimate.</summary>
    public async Task CountTokensAsync(RelayContext context, Surface surface, ChatRequest request, Action<int, IBufferWriter<byte>> writeCount)
    {
        ArgumentNullException.ThrowIfNull(context);
        try
        {
            await CountCoreAsync(context, surface, request, writeCount).ConfigureAwait(false);
        }
        finally
        {
            await RelayReceipts.SealRemainingAsync(context, receipts).ConfigureAwait(false);
        }
    }

    private async Task CountCoreAsync(RelayContext context, Surface surface, ChatRequest request, Action<int, IBufferWriter<byte>> writeCount)
    {
        var snapshot = snapshots.Current;
        if (ModelStep.Admit(snapshot, context, request.Model) is not { } route)
        {
            await WriteRefusalAsync(context, surface, ModelStep.Unknown(request.Model)).ConfigureAwait(false);
            return;
        }

        // A stored key is admitted like chat: its allowed models and its rate limits (the request counts in rpm and
        // concurrency). Counting is free, so nothing is reserved (docs/billing.md).
        Candor.Core.Admission.RateLease? rate = null;
        if (billing is not null && context.Caller?.Key is { } key)
        {
            var (admitted, refused) = billing.AdmitCount(context, key, request.Model);
            if (refused is not null)
            {
                await RelayReceipts.WriteErrorAsync(context, surface, refused, receipts, ReceiptOutcome.Refused).ConfigureAwait(false);
                return;
            }

            rate = admitted;
        }

        try
        {
            await CountAdmittedAsync(context, surface, request, route, snapshot, writeCount).ConfigureAwait(false);
        }
        finally
        {
            rate?.Settle(0);
        }
    }

    private async Task CountAdmittedAsync(
        RelayContext context, Surface surface, ChatRequest request, Candor.Core.Configuration.ModelRoute route, RuntimeSnapshot snapshot,
        Action<int, IBufferWriter<byte>> writeCount)
    {
        var port = context.Port;

        // A prompt goes to an upstream counter only when that channel complies with the caller's privacy policy;
        // otherwise Candor answers with its own estimate and sends nothing. One attempt on the deployment the
        // router picks among the compliant ones; without one (all unhealthy or busy), Candor's estimate.
        Candor.Core.Privacy.PrivacyAdmission.Admit(context, snapshot.Config, privacy);
        if (RedactionStep.Admit(context, request) is { } blocked)
        {
            await WriteRefusalAsync(context, surface, blocked).ConfigureAwait(false);
            return;
        }

        var compliant = Candor.Core.Privacy.DataPolicyFilter.Apply(route.Deployments, snapshot, context.Privacy.Routing);

        // A quarantined channel gets no prompts either (docs/audits.md).
        compliant = quarantine?.Exclude(compliant) ?? compliant;
        int? count = null;
        var plan = router.Plan(snapshot, route, compliant, Router.AffinityKey(route, request, route.Strategy == Candor.Core.Configuration.RoutingStrategy.Sticky ? port.RequestHeader(Router.AffinityHeader) : null), 0);
        if (compliant.Count > 0 && plan.TryNext(out var choice, out _))
        {
            var (deployment, channel, lease) = choice;
            context.ChannelId = channel.Settings.Id;
            try
            {
                if (channel.Adapter.CreateCountTokensRequest(channel.Settings, deployment.UpstreamModel, request) is { } upstreamRequest)
                {
                    using (upstreamRequest)
                    {
                        context.Attempts = 1;
                        await NoteForwardedAsync(context, channel, request.Model, deployment, surface.Protocol, upstreamRequest.Content, null).ConfigureAwait(false);
                        var body = await SendForJsonAsync(context, channel, upstreamRequest, lease, snapshot.Config).ConfigureAwait(false);
                        if (body.Error is { } error)
                        {
                            await RelayReceipts.WriteErrorAsync(context, surface, error, receipts, ReceiptOutcome.Failed).ConfigureAwait(false);
                            return;
                        }

                        using (body.Body)
                        {
                            count = channel.Adapter.ReadCountTokens(body.Body!.WrittenSpan);
                        }
                    }
                }
            }
            finally
            {
                lease.Release();
            }
        }

        context.SetHeader(RelayHeaders.CountSource, count is null ? "estimate" : "upstream");
        if (context.ChannelId is { } served)
        {
            context.SetHeader(RelayHeaders.Channel, served);
        }
        count ??= estimator.CountPrompt(request);
        context.Commit(200, "application/json");
        using var held = new Candor.Protocols.Buffers.PooledBufferWriter(256);
        writeCount(count.Value, held);

        // Token counting is free: nothing is settled; the answer is held until its receipt is stored.
        await RelayReceipts.CompleteWholeAsync(context, surface, receipts, held.WrittenMemory, ReceiptOutcome.Complete).ConfigureAwait(false);
    }

    /// <summary>Relays an embeddings request to the first deployment that can embed. <paramref name="rawBody"/> (the
    /// client's body) is kept, encrypted, only when the stored key's account opted in to history.</summary>
    public async Task EmbeddingsAsync(
        RelayContext context, Surface surface, EmbeddingRequest request, Action<EmbeddingResponse, IBufferWriter<byte>> writeResponse,
        ReadOnlyMemory<byte> rawBody = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        try
        {
            await EmbeddingsCoreAsync(context, surface, request, writeResponse, rawBody).ConfigureAwait(false);
        }
        finally
        {
            await RelayReceipts.EndAsync(context, receipts).ConfigureAwait(false);
        }
    }

    private async Task EmbeddingsCoreAsync(RelayContext context, Surface surface, EmbeddingRequest request, Action<EmbeddingResponse, IBufferWriter<byte>> writeResponse,
        ReadOnlyMemory<byte> rawBody)
    {
        // Admission in the order chat takes (docs/architecture.md, "Adding a stage"): model → privacy → eligible
        // deployments (data policy, quarantine) → redaction → billing → history.
        var snapshot = snapshots.Current;
        if (ModelStep.Admit(snapshot, context, request.Model) is not { } route)
        {
            await WriteRefusalAsync(context, surface, ModelStep.Unknown(request.Model)).ConfigureAwait(false);
            return;
        }

        var refusal = EligibleStep.Admit(context, snapshot, route, privacy, quarantine, out var deployments);
        refusal ??= RedactionStep.Admit(context, request);

        // A stored key is admitted (allowed model, price, limits, reservation for the inputs) and billed like chat;
        // the usage record is committed before the response is written. An unsettled meter settles in
        // EmbeddingsAsync's finally (RelayReceipts.EndAsync).
        if (refusal is null && BillingStep.Applies(context, billing))
        {
            var asChat = new ChatRequest { Model = request.Model, SourceProtocol = surface.Protocol };
            foreach (var input in request.Inputs)
            {
                asChat.Messages.Add(ChatMessage.Text(ChatRole.User, input));
            }

            refusal = await BillingStep.AdmitAsync(context, billing, history, snapshot, route, asChat, 0, producesOutput: false, rawBody).ConfigureAwait(false);
        }

        if (refusal is { } stopped)
        {
            await WriteRefusalAsync(context, surface, stopped).ConfigureAwait(false);
            return;
        }

        await EmbedAsync(context, surface, request, route, deployments, snapshot, context.Meter, writeResponse).ConfigureAwait(false);
    }

    private async Task EmbedAsync(
        RelayContext context, Surface surface, EmbeddingRequest request, Candor.Core.Configuration.ModelRoute route,
        IReadOnlyList<Candor.Core.Configuration.Deployment> eligible, RuntimeSnapshot snapshot,
        RequestMeter? meter, Action<EmbeddingResponse, IBufferWriter<byte>> writeResponse)
    {
        RelayError? last = null;

        // The data-policy filter narrowed the eligible list before the router sees it.
        var plan = router.Plan(snapshot, route, eligible, null, request.Inputs.Sum(static i => (long)i.Length) / 4);
        while (context.Attempts < snapshot.Config.MaxAttempts && !context.Aborted.IsCancellationRequested)
        {
            if (snapshot.Config.Routing.Remaining(context.StartTimestamp) <= TimeSpan.Zero)
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
            var upstreamRequest = channel.Adapter.CreateEmbeddingsRequest(channel.Settings, deployment.UpstreamModel, request);
            if (upstreamRequest is null)
            {
                lease.Failed(UpstreamFailure.Unsupported, null);
                lease.Release();
                last ??= RelayError.BadRequest($"The model '{request.Model}' does not support embeddings.", "model");
                continue;
            }

            context.Attempts++;
            context.ChannelId = channel.Settings.Id;
            try
            {
                using (upstreamRequest)
                {
                    await NoteForwardedAsync(context, channel, request.Model, deployment, surface.Protocol, upstreamRequest.Content,
                        EncodingFormat(request, channel.Adapter.Protocol)).ConfigureAwait(false);
                    var result = await SendForJsonAsync(context, channel, upstreamRequest, lease, snapshot.Config).ConfigureAwait(false);
                    if (result.Error is { } error)
                    {
                        last = error;
                        if (result.Retryable && !context.Aborted.IsCancellationRequested)
                        {
                            continue;
                        }

                        break;
                    }

                    EmbeddingResponse embeddings;
                    using (result.Body)
                    {
                        try
                        {
                            embeddings = channel.Adapter.ReadEmbeddings(result.Body!.WrittenSpan);
                        }
                        catch (Exception e) when (e is System.Text.Json.JsonException or FormatException or InvalidDataException)
                        {
                            last = UpstreamErrors.Malformed("invalid embeddings body");
                            lease.Failed(UpstreamFailure.Malformed, null);
                            continue;
                        }
                    }

                    lease.Succeeded();
                    context.Receipt?.ObserveReported(embeddings.Model, embeddings.Usage);
                    if (embeddings.Usage is { } reported)
                    {
                        lease.ReportTokens(reported.InputTokens ?? 0);
                    }

                    context.History?.ObserveEmbeddings(embeddings.Model, embeddings.Vectors.Count, embeddings.Vectors.Count > 0 ? embeddings.Vectors[0].Length : 0);
                    if (meter is not null)
                    {
                        meter.ChannelId = channel.Settings.Id;
                        meter.UpstreamModel = deployment.UpstreamModel;
                        meter.Accepted = true;
                        if (embeddings.Usage is { } usage)
                        {
                            meter.Observe(new UsageReported(usage));
                        }
                    }

                    context.SetHeader(RelayHeaders.Channel, channel.Settings.Id);
                    context.SetHeader(RelayHeaders.Attempts, context.Attempts.ToString(CultureInfo.InvariantCulture));
                    context.Commit(200, "application/json");
                    using var held = new Candor.Protocols.Buffers.PooledBufferWriter(16 * 1024);
                    writeResponse(embeddings, held);

                    // The body is held until it is settled with its receipt (which hashes it), in one write.
                    await RelayReceipts.CompleteWholeAsync(context, surface, receipts, held.WrittenMemory, ReceiptOutcome.Complete).ConfigureAwait(false);
                    return;
                }
            }
            finally
            {
                lease.Release();
            }
        }

        if (context.Aborted.IsCancellationRequested)
        {
            return;
        }

        if (context.ChannelId is { } tried)
        {
            context.SetHeader(RelayHeaders.Channel, tried);
        }

        context.SetHeader(RelayHeaders.Attempts, context.Attempts.ToString(CultureInfo.InvariantCulture));
        await RelayReceipts.WriteErrorAsync(context, surface, last ?? UpstreamErrors.Unavailable("no deployment could be tried"), receipts, ReceiptOutcome.Failed).ConfigureAwait(false);
    }

    private Task WriteRefusalAsync(RelayContext context, Surface surface, Refusal refusal) =>
        RelayReceipts.WriteErrorAsync(context, surface, refusal.Error, receipts, refusal.Outcome);

    /// <summary>The embeddings transformation besides model mapping: a wire whose embeddings request always asks the
    /// upstream for floats (OpenAI's, <see cref="WireProfile.EmbeddingsAsFloats"/>; the client's base64 is encoded by
    /// Candor from them).</summary>
    private static Transformation? EncodingFormat(EmbeddingRequest request, WireProtocol target) =>
        !WireProfile.For(target).EmbeddingsAsFloats || request.EncodingFormat == "float" ? null
        : request.EncodingFormat is null ? new(Transformation.Injected, "encoding_format", "float")
        : new(Transformation.Injected, "encoding_format", "float (Candor encodes the answer as " + request.EncodingFormat + " for the client)");

    /// <summary>Hashes the body forwarded on this attempt and lists what changed: the model mapping, the wire when
    /// the upstream speaks another one, and <paramref name="extra"/>. Auxiliary requests are always re-encoded
    /// from the canonical request (path <c>translated</c>).</summary>
    private static async Task NoteForwardedAsync(
        RelayContext context, ChannelRuntime channel, string requestedModel, Candor.Core.Configuration.Deployment deployment, WireProtocol source, HttpContent? content,
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

    /// <summary>One attempt for a whole JSON answer of at most <c>server.max_upstream_response_bytes</c>, its first byte
    /// due within the channel's timeout and the request's deadline (<see cref="UpstreamCall"/>); its failure is reported
    /// to <paramref name="lease"/>.</summary>
    private static async Task<(PooledBufferWriter? Body, RelayError? Error, bool Retryable)> SendForJsonAsync(
        RelayContext context, ChannelRuntime channel, HttpRequestMessage request, DeploymentLease lease, Candor.Core.Configuration.CandorConfig config)
    {
        using var timer = UpstreamCall.StartTimer(channel.Settings.FirstByteTimeout, context.Aborted, config.Routing.Remaining(context.StartTimestamp));
        long sent = Stopwatch.GetTimestamp();
        try
        {
            var (response, failure) = await UpstreamCall.SendAsync(channel, request, timer, context.Aborted, context.Receipt).ConfigureAwait(false);
            if (response is null)
            {
                if (failure.Error is not null)
                {
                    lease.Failed(failure.Failure, failure.Error.RetryAfterSeconds);
                }

                return (null, failure.Error ?? UpstreamErrors.Unavailable("client went away"), failure.Retryable);
            }

            using (response)
            {
                if (!UpstreamCall.IsJson(response))
                {
                    lease.Failed(UpstreamFailure.Malformed, null);
                    return (null, UpstreamErrors.Malformed("expected application/json"), true);
                }

                // An answer over the limit is the client's request asking for too much: an error of its own, not
                // retried and not counted against the deployment (UpstreamCall.Classify).
                var (body, failed) = await UpstreamCall.ReadJsonAsync(response, timer, channel.Settings.IdleTimeout, config.MaxUpstreamResponseBytes, context.Aborted).ConfigureAwait(false);
                if (body is null)
                {
                    if (failed.Error is null)
                    {
                        return (null, UpstreamErrors.Unavailable("client went away"), false);
                    }

                    lease.Failed(failed.Failure, null);
                    return (null, failed.Error, failed.Retryable);
                }

                context.Receipt?.HashUpstream(body.WrittenSpan);
                return (body, null, false);
            }
        }
        finally
        {
            context.UpstreamTicks += Stopwatch.GetTimestamp() - sent;
        }
    }
}
