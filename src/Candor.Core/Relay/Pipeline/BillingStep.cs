using Candor.Core.Admission;
using Candor.Core.Configuration;
using Candor.Core.Privacy;
using Candor.Core.Routing;
using Candor.Protocols.Canonical;

namespace Candor.Core.Relay.Pipeline;

/// <summary>Admission steps 5 and 6, for a stored key when Candor bills (a data directory): the gate's admission
/// (store health, allowed model, price, rate limits, the money reserved, a durable admission record), which puts the
/// request's meter on the context, then the account's opt-in history capture. Configuration keys pass unbilled.</summary>
internal static class BillingStep
{
    /// <summary>Whether the request is billed: there is a gate and the caller is a stored key.</summary>
    public static bool Applies(RelayContext context, BillingGate? billing) => billing is not null && context.Caller?.Key is not null;

    /// <param name="context">The request.</param>
    /// <param name="billing">The gate; nothing happens without one.</param>
    /// <param name="history">The history recorder, when accounts may keep history.</param>
    /// <param name="snapshot">The snapshot the request started with.</param>
    /// <param name="route">The public model.</param>
    /// <param name="billed">The request as billing estimates it (the redacted chat request; embeddings' inputs as messages).</param>
    /// <param name="defaultMaxOutputTokens">The output reserved when the request sets no limit.</param>
    /// <param name="producesOutput">False for embeddings: only the inputs are reserved.</param>
    /// <param name="rawBody">The client's body, kept (encrypted) only when the account keeps history.</param>
    public static async Task<Refusal?> AdmitAsync(
        RelayContext context, BillingGate? billing, HistoryRecorder? history, RuntimeSnapshot snapshot, ModelRoute route, ChatRequest billed,
        int defaultMaxOutputTokens, bool producesOutput, ReadOnlyMemory<byte> rawBody)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (billing is null || context.Caller?.Key is not { } key)
        {
            return null;
        }

        var (meter, refused) = await billing.AdmitAsync(context, key, billed, route, defaultMaxOutputTokens, producesOutput, snapshot.Channels).ConfigureAwait(false);
        if (refused is not null)
        {
            return Refusal.Refused(refused);
        }

        context.Meter = meter;
        context.History = history?.Begin(snapshot.Config, key, context.RequestId, context.SurfaceName, route.Name, rawBody.Span);
        return null;
    }

    /// <summary>Embeddings: the inputs are reserved and billed as user messages, no output.</summary>
    public static Task<Refusal?> AdmitAsync(
        RelayContext context, BillingGate? billing, HistoryRecorder? history, RuntimeSnapshot snapshot, ModelRoute route, EmbeddingRequest request,
        WireProtocol surface, ReadOnlyMemory<byte> rawBody)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!Applies(context, billing))
        {
            return Task.FromResult<Refusal?>(null);
        }

        var asChat = new ChatRequest { Model = request.Model, SourceProtocol = surface };
        foreach (var input in request.Inputs)
        {
            asChat.Messages.Add(ChatMessage.Text(ChatRole.User, input));
        }

        return AdmitAsync(context, billing, history, snapshot, route, asChat, 0, producesOutput: false, rawBody);
    }

    /// <summary>Token counting is free: a stored key's allowed models and rate limits apply (the request counts in rpm and
    /// concurrency); nothing is reserved. The lease is settled (with no tokens) when the count ends.</summary>
    public static async ValueTask<(Refusal? Refusal, RateLease? Lease)> AdmitCountAsync(RelayContext context, BillingGate? billing, ModelRoute route)
    {
        ArgumentNullException.ThrowIfNull(route);
        if (billing is null || context.Caller?.Key is not { } key)
        {
            return (null, null);
        }

        var (admitted, refused) = await billing.AdmitCountAsync(context, key, route.Name).ConfigureAwait(false);
        return refused is not null ? (Refusal.Refused(refused), null) : (null, admitted);
    }
}
