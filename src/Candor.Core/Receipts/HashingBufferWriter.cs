using System.Buffers;
using System.Security.Cryptography;

namespace Candor.Core.Receipts;

/// <summary>Passes writes through to the client's body writer and hashes each advanced span on the way, so the
/// receipt's delivered hash covers exactly the bytes written for the client, without buffering them.</summary>
internal sealed class HashingBufferWriter(IBufferWriter<byte> inner) : IBufferWriter<byte>, IDisposable
{
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private Memory<byte> _last;

    /// <summary>Bytes written so far.</summary>
    public long Length { get; private set; }

    /// <inheritdoc/>
    public void Advance(int count)
    {
        _hash.AppendData(_last.Span[..count]);
        Length += count;
        _last = default;
        inner.Advance(count);
    }

    /// <inheritdoc/>
    public Memory<byte> GetMemory(int sizeHint = 0) => _last = inner.GetMemory(sizeHint);

    /// <inheritdoc/>
    public Span<byte> GetSpan(int sizeHint = 0) => (_last = inner.GetMemory(sizeHint)).Span;

    /// <summary>Hashes bytes the caller writes to the client itself, later (held back until the receipt is stored).</summary>
    public void Hash(ReadOnlySpan<byte> bytes)
    {
        _hash.AppendData(bytes);
        Length += bytes.Length;
    }

    /// <summary>The SHA-256 of everything written so far (the hash keeps running).</summary>
    public byte[] CurrentHash() => _hash.GetCurrentHash();

    /// <summary>Writes the SHA-256 of everything written so far into <paramref name="digest"/> (the hash keeps running).</summary>
    public void CurrentHash(Span<byte> digest) => _hash.GetCurrentHash(digest);

    /// <inheritdoc/>
    public void Dispose() => _hash.Dispose();
}
