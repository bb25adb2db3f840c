using System.Security.Cryptography;

namespace Candor.Core.Audit;

/// <summary>The secret seed of the probe generator (<see cref="ProbeGenerator"/>): 32 random bytes kept owner-only in the
/// data directory (<c>audit-probe.key</c>, written like the server secret) or, without one, drawn per process. Whoever
/// holds it can tell probes from client traffic, so it is never logged, never served and never leaves the process.</summary>
internal sealed class ProbeSecret
{
    /// <summary>The seed's length in bytes.</summary>
    public const int Length = 32;

    private readonly byte[] _key;

    /// <summary>Wraps a seed of <see cref="Length"/> bytes.</summary>
    public ProbeSecret(ReadOnlySpan<byte> key)
    {
        if (key.Length != Length)
        {
            throw new ArgumentException($"the probe seed must be {Length} bytes", nameof(key));
        }

        _key = key.ToArray();
    }

    /// <summary>A seed for this process only (no data directory): probes are still unpredictable, and a restart
    /// draws a new one.</summary>
    public static ProbeSecret Ephemeral() => new(RandomNumberGenerator.GetBytes(Length));

    /// <summary>HMAC-SHA256 of <paramref name="message"/> under the seed: the generator's pseudo-random function.</summary>
    public void Mac(ReadOnlySpan<byte> message, Span<byte> destination) => HMACSHA256.HashData(_key, message, destination);

    /// <inheritdoc/>
    public override string ToString() => "ProbeSecret";
}
