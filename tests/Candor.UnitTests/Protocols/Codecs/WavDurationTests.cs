using System.Buffers.Binary;
using Candor.Protocols.Codecs;

namespace Candor.UnitTests.Protocols.Codecs;

public sealed class WavDurationTests
{
    private static byte[] Wav(int byteRate, int dataBytes, uint declared, bool extraChunk = false)
    {
        int extra = extraChunk ? 8 + 3 + 1 : 0;
        byte[] wav = new byte[44 + extra + dataBytes];
        "RIFF"u8.CopyTo(wav);
        "WAVEfmt "u8.CopyTo(wav.AsSpan(8));
        BinaryPrimitives.WriteInt32LittleEndian(wav.AsSpan(16), 16);
        BinaryPrimitives.WriteInt32LittleEndian(wav.AsSpan(28), byteRate);
        int at = 36;
        if (extraChunk)
        {
            // An odd-sized LIST chunk, padded to even length.
            "LIST"u8.CopyTo(wav.AsSpan(at));
            BinaryPrimitives.WriteInt32LittleEndian(wav.AsSpan(at + 4), 3);
            at += extra;
        }

        "data"u8.CopyTo(wav.AsSpan(at));
        BinaryPrimitives.WriteUInt32LittleEndian(wav.AsSpan(at + 4), declared);
        return wav;
    }

    [Fact]
    public void PcmWav_IsDataOverByteRate_RoundedUp()
    {
        Assert.Equal(2500, WavDuration.Milliseconds(Wav(32000, 80000, 80000)));
        Assert.Equal(1, WavDuration.Milliseconds(Wav(32000, 1, 1)));
    }

    [Fact]
    public void ChunkBeforeData_IsSkippedWithItsPadding() =>
        Assert.Equal(1000, WavDuration.Milliseconds(Wav(16000, 16000, 16000, extraChunk: true)));

    [Theory]
    [InlineData(0u)]
    [InlineData(uint.MaxValue)]
    [InlineData(999_999u)]
    public void StreamedOrOverstatedSize_CountsTheBytesPresent(uint declared) =>
        Assert.Equal(500, WavDuration.Milliseconds(Wav(32000, 16000, declared)));

    [Fact]
    public void NotAWav_OrNoByteRate_IsNull()
    {
        Assert.Null(WavDuration.Milliseconds("ID3\u0004 not audio"u8));
        Assert.Null(WavDuration.Milliseconds([]));
        Assert.Null(WavDuration.Milliseconds(Wav(0, 100, 100)));
    }
}
