using System.Diagnostics.CodeAnalysis;
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
/// the limit, decode. A failure is answered in the surface's envelope and yields null.</summary>
internal static class SurfaceRequest
{
    public static async Task<SurfaceRequest<T>?> AcceptAsync<T>(HttpContext http, Surface surface, SnapshotHolder snapshots, BodyDecoder<T> decode)
    {
        if (!await ApiKeys.AuthenticateAsync(http, surface, snapshots).ConfigureAwait(false))
        {
            return null;
        }

        var body = await RequestBody.ReadAsync(http, surface, snapshots.Current.Config.MaxRequestBytes).ConfigureAwait(false);
        if (body is null)
        {
            return null;
        }

        if (!decode(body.WrittenSpan, out var value, out var error))
        {
            body.Dispose();
            await ResponseWriter.WriteErrorAsync(http, surface, error).ConfigureAwait(false);
            return null;
        }

        return new SurfaceRequest<T>(body, value);
    }
}
