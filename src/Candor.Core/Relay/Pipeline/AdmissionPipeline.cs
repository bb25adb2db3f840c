using Candor.Core.Admission;
using Candor.Core.Audit;
using Candor.Core.Configuration;
using Candor.Core.Privacy;
using Candor.Core.Routing;
using Candor.Protocols.Canonical;

namespace Candor.Core.Relay.Pipeline;

/// <summary>The one ordered admission every relayed request takes — chat, the Responses API, embeddings, token
/// counting and the media endpoints: model → choices (chat) → privacy → eligible deployments (data policy, quarantine) → redaction → billing →
/// history. Each step is a small type returning a <see cref="Refusal"/>; the first refusal ends admission and the relay
/// answers it in the client's envelope, settles and seals (docs/architecture.md, "Adding a stage").</summary>
/// <remarks>The features a step needs are this pipeline's dependencies, each optional: without a billing gate (no data
/// directory) nothing is billed, without a privacy directory the server's policy applies, without history nothing is
/// kept, without a quarantine no channel is excluded, without traffic limits no chat request's max-tokens limit is counted
/// (<see cref="TrafficLimits"/>: a round-number bucket, nothing else of the request, so audit probes send limits as
/// traffic does). The relays themselves take no feature flags.</remarks>
internal sealed class AdmissionPipeline(
    BillingGate? billing = null, PrivacyDirectory? privacy = null, HistoryRecorder? history = null, ChannelQuarantine? quarantine = null,
    TrafficLimits? limits = null)
{
    /// <summary>A pipeline with no optional feature: routing, the server's privacy policy and redaction only.</summary>
    public static AdmissionPipeline Open { get; } = new();

    /// <summary>Admits a chat request (every surface that answers with generated text: chat, messages, generateContent,
    /// the Responses API). <paramref name="rawBody"/> is kept, encrypted, only when the account keeps history.</summary>
    public ValueTask<Admission> AdmitChatAsync(RelayContext context, RuntimeSnapshot snapshot, ChatRequest request, WireProtocol surface, ReadOnlyMemory<byte> rawBody)
    {
        ArgumentNullException.ThrowIfNull(request);
        limits?.Observe(surface, request.MaxOutputTokens);
        return AdmitAsync(context, snapshot, new AdmissionRequest(RequestKind.Chat, request.Model, request, null, surface, rawBody));
    }

    /// <summary>Admits an embeddings request: reserved and billed for its inputs only.</summary>
    public ValueTask<Admission> AdmitEmbeddingsAsync(RelayContext context, RuntimeSnapshot snapshot, EmbeddingRequest request, WireProtocol surface, ReadOnlyMemory<byte> rawBody)
    {
        ArgumentNullException.ThrowIfNull(request);
        return AdmitAsync(context, snapshot, new AdmissionRequest(RequestKind.Embeddings, request.Model, null, request, surface, rawBody));
    }

    /// <summary>Admits a token count: free (nothing reserved; the key's allowed models and rate limits apply) and never
    /// refused for want of a compliant deployment — Candor then answers with its own estimate and sends nothing.</summary>
    public ValueTask<Admission> AdmitCountAsync(RelayContext context, RuntimeSnapshot snapshot, ChatRequest request, WireProtocol surface)
    {
        ArgumentNullException.ThrowIfNull(request);
        return AdmitAsync(context, snapshot, new AdmissionRequest(RequestKind.TokenCount, request.Model, request, null, surface, default));
    }

    /// <summary>Admits a media request (images, audio, rerank, moderations; docs/endpoints.md): its texts redacted, billed
    /// in its units.</summary>
    public ValueTask<Admission> AdmitMediaAsync(RelayContext context, RuntimeSnapshot snapshot, MediaRequest request, WireProtocol surface)
    {
        ArgumentNullException.ThrowIfNull(request);
        return AdmitAsync(context, snapshot, new AdmissionRequest(RequestKind.Media, request.Model, null, null, surface, default) { Media = request });
    }

    private async ValueTask<Admission> AdmitAsync(RelayContext context, RuntimeSnapshot snapshot, AdmissionRequest request)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (ModelStep.Admit(snapshot, context, request.Model) is not { } route)
        {
            return new Admission(null, [], ModelStep.Unknown(request.Model), null);
        }

        Refusal? refusal = request.Kind == RequestKind.Chat ? ChoiceStep.Admit(request.Chat!, snapshot.Config.MaxChoices, request.Surface) : null;
        IReadOnlyList<Deployment> deployments = [];
        refusal ??= EligibleStep.Admit(context, snapshot, route, privacy, quarantine, required: request.Kind != RequestKind.TokenCount, out deployments);
        refusal ??= request.Chat is { } chat ? RedactionStep.Admit(context, chat)
            : request.Media is { } media ? MediaStep.Redact(context, media)
            : RedactionStep.Admit(context, request.Embeddings!);
        RateLease? countLease = null;
        if (refusal is null && request.Kind == RequestKind.TokenCount)
        {
            (refusal, countLease) = await BillingStep.AdmitCountAsync(context, billing, route).ConfigureAwait(false);
        }
        else if (refusal is null && request.Media is not null)
        {
            refusal = await MediaStep.BillAsync(context, billing, route, request.Media).ConfigureAwait(false);
        }
        else if (refusal is null)
        {
            refusal = request.Kind switch
            {
                RequestKind.Embeddings => await BillingStep.AdmitAsync(context, billing, history, snapshot, route, request.Embeddings!, request.Surface, request.RawBody).ConfigureAwait(false),
                _ => await BillingStep.AdmitAsync(context, billing, history, snapshot, route, request.Chat!, snapshot.Config.DefaultMaxOutputTokens, producesOutput: true, request.RawBody)
                    .ConfigureAwait(false),
            };
        }

        return new Admission(route, deployments, refusal, countLease);
    }

    private enum RequestKind
    {
        Chat,
        Embeddings,
        TokenCount,
        Media,
    }

    private readonly record struct AdmissionRequest(
        RequestKind Kind, string Model, ChatRequest? Chat, EmbeddingRequest? Embeddings, WireProtocol Surface, ReadOnlyMemory<byte> RawBody)
    {
        public MediaRequest? Media { get; init; }
    }
}

/// <summary>What admission decided: the public model's route (null when no such model is configured), the deployments the
/// request may use, the refusal that ended admission (null when admitted), and a token count's rate lease (settled by the
/// relay when the count ends).</summary>
internal readonly record struct Admission(ModelRoute? Route, IReadOnlyList<Deployment> Deployments, Refusal? Refusal, RateLease? CountLease);
