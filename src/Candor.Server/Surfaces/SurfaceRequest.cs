using Candor.Core.Admission;
using System.Diagnostics.CodeAnalysis;
using Candor.Core.Receipts;
using Candor.Core.Relay;
using Candor.Core.Routing;
using Candor.Protocols.Buffers;
using Candor.Protocols.Canonical;

namespace Candor.Server.Surfaces;

/// <summary>Reads a client body in a surface's own terms, where it lies (the body outlives the decoding).</summary>
internal delegate bool BodyDecoder<T>(ReadOnlyMemory<byte> body, [NotNullWhen(true)] out T? value, [NotNullWhen(false)] out RelayError? error);

/// <summary>A decoded client request, the pooled body it came from (kept for the fast path; a chat relay releases it at
/// the commit) and what it holds of the node's and its key's limits; disposing gives all of it back.</summary>
internal sealed class SurfaceRequest<T>(PooledBufferWriter body, T value, AdmissionTicket ticket) : IDisposable
{
    public RequestBytes Body { get; } = new(body, ticket);

    public T Value { get; } = value;

    public void Dispose()
    {
        Body.Release();
        ticket.Dispose();
    }
}

/// <summary>The steps every surface endpoint takes before the relay, cheapest first, so that a request the node or the
/// key cannot take is refused before its body is read: a place among the requests in flight (503), authentication
/// (401/403), the key's concurrency and requests-per-minute limits (429), then the body within the size limit (413),
/// the server-wide body budget (503) and the body timeout (408/400), the request's receipt, decoding, and a place
/// among the open streams (503) for a streamed request. A failure is answered in the surface's envelope and yields
/// null; from the receipt on, that answer is receipted too (a body that does not decode gets a <c>refused</c> receipt).</summary>
internal static class SurfaceRequest
{
    /// <summary>Accepts a relayed request of <paramref name="kind"/> (<see cref="ReceiptKind"/>): after authentication
    /// and the whole body, the receipt opens (header <c>x-candor-receipt</c>, hash of the body as received) and
    /// <paramref name="context"/> carries it to the relay. Requests refused before (overload, bad key, rate limits, 413,
    /// a body that did not arrive) have no receipt: there is no owner, or no whole body to hash.</summary>
    public static async Task<SurfaceRequest<T>?> AcceptAsync<T>(RelayContext context, string kind, Surface surface, SnapshotHolder snapshots, BodyDecoder<T> decode)
    {
        var ticket = new AdmissionTicket(context.Http().RequestServices.GetService<NodeAdmission>());
        SurfaceRequest<T>? accepted = null;
        try
        {
            accepted = await AcceptAsync(context, kind, surface, snapshots, decode, ticket).ConfigureAwait(false);
            return accepted;
        }
        finally
        {
            if (accepted is null)
            {
                ticket.Dispose();
            }
        }
    }

    private static async Task<SurfaceRequest<T>?> AcceptAsync<T>(RelayContext context, string kind, Surface surface, SnapshotHolder snapshots, BodyDecoder<T> decode,
        AdmissionTicket ticket)
    {
        var http = context.Http();

        // Whatever escapes from here on is answered in this surface's envelope (ContentSafeExceptions).
        http.Features.Set(surface);
        if (!ticket.TryEnter())
        {
            await ResponseWriter.WriteErrorAsync(http, surface, NodeAdmission.Overloaded("requests in flight")).ConfigureAwait(false);
            return null;
        }

        if (!await ApiKeys.AuthenticateAsync(http, surface, snapshots).ConfigureAwait(false)
            || !await ApiKeys.AdmitAsync(http, surface, ticket).ConfigureAwait(false))
        {
            return null;
        }

        // The relay reads who called, and adds the request's tokens to the lease taken before the body.
        context.Caller = http.Features.Get<Caller>();
        context.HeldRateLease = ticket.Lease;
        var config = snapshots.Current.Config;
        var body = await RequestBody.ReadAsync(http, surface, config.MaxRequestBytes, config.Admission.RequestBodyTimeout, ticket).ConfigureAwait(false);
        if (body is null)
        {
            return null;
        }

        // ReceiptService is a singleton registered by ReceiptSetup; absent only in hosts without receipts.
        var receipts = http.RequestServices.GetService<ReceiptService>();
        if (receipts?.Begin(context, body.WrittenSpan) is { } draft)
        {
            draft.Kind = kind;
            http.Response.RegisterForDispose(draft);
        }

        if (!decode(body.WrittenMemory, out var value, out var error))
        {
            body.Dispose();
            await RelayReceipts.WriteErrorAsync(context, surface, error, receipts, ReceiptOutcome.Refused).ConfigureAwait(false);
            await RelayReceipts.SealRemainingAsync(context, receipts).ConfigureAwait(false);
            return null;
        }

        // Whether a chat request streams is known only once it is decoded (Gemini's is in the path, the others' in the body).
        if (value is ChatRequest { Stream: true } && !ticket.TryOpenStream())
        {
            body.Dispose();
            await RelayReceipts.WriteErrorAsync(context, surface, NodeAdmission.Overloaded("open streams"), receipts, ReceiptOutcome.Refused).ConfigureAwait(false);
            await RelayReceipts.SealRemainingAsync(context, receipts).ConfigureAwait(false);
            return null;
        }

        return new SurfaceRequest<T>(body, value, ticket);
    }
}
