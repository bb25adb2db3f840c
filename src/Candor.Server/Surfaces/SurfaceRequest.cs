using System.Diagnostics.CodeAnalysis;
using Candor.Core.Receipts;
using Candor.Core.Relay;
using Candor.Core.Routing;
using Candor.Protocols.Buffers;
using Candor.Protocols.Canonical;

namespace Candor.Server.Surfaces;

/// <summary>Reads a client body in a surface's own terms.</summary>
internal delegate bool BodyDecoder<T>(ReadOnlySpan<byte> body, [NotNullWhen(true)] out T? value, [NotNullWhen(false)] out RelayError? error);

/// <summary>A decoded client request and the pooled body it came from (kept for the fast path).</summary>
internal sealed class SurfaceRequest<T>(PooledBufferWriter body, T value) : IDisposable
{
    public PooledBufferWriter Body { get; } = body;

    public T Value { get; } = value;

    public void Dispose() => Body.Dispose();
}

/// <summary>The steps every surface endpoint takes before the relay: authenticate, read the body within
/// the limit, open the request's receipt, decode. A failure is answered in the surface's envelope and yields null;
/// from the receipt on, that answer is receipted too (a body that does not decode gets a <c>refused</c> receipt).</summary>
internal static class SurfaceRequest
{
    /// <summary>Accepts a relayed request of <paramref name="kind"/> (<see cref="ReceiptKind"/>): after authentication
    /// and the whole body, the receipt opens (header <c>x-candor-receipt</c>, hash of the body as received) and
    /// <paramref name="context"/> carries it to the relay. Requests refused before (bad key, 413, a client that left
    /// while sending) have no receipt: there is no owner, or no whole body to hash.</summary>
    public static async Task<SurfaceRequest<T>?> AcceptAsync<T>(RelayContext context, string kind, Surface surface, SnapshotHolder snapshots, BodyDecoder<T> decode)
    {
        var http = context.Http;
        if (!await ApiKeys.AuthenticateAsync(http, surface, snapshots).ConfigureAwait(false))
        {
            return null;
        }

        var body = await RequestBody.ReadAsync(http, surface, snapshots.Current.Config.MaxRequestBytes).ConfigureAwait(false);
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

        if (!decode(body.WrittenSpan, out var value, out var error))
        {
            body.Dispose();
            await RelayReceipts.WriteErrorAsync(context, surface, error, receipts, ReceiptOutcome.Refused).ConfigureAwait(false);
            await RelayReceipts.SealRemainingAsync(context, receipts).ConfigureAwait(false);
            return null;
        }

        return new SurfaceRequest<T>(body, value);
    }
}
