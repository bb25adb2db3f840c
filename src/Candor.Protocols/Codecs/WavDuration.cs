using System.Buffers.Binary;

namespace Candor.Protocols.Codecs;

/// <summary>The duration of a RIFF/WAVE file from its header: the <c>data</c> chunk's length over the <c>fmt </c>
/// chunk's byte rate. Null for anything else (Candor does not decode compressed formats), for a byte rate of 0, or a
/// header that does not add up.</summary>
public static class WavDuration
{
    /// <summary>Milliseconds of audio, rounded up; null when <paramref name="file"/> is not a WAV Candor can measure.</summary>
    public static long? Milliseconds(ReadOnlySpan<byte> file)
    {
        if (file.Length < 12 || !file[..4].SequenceEqual("RIFF"u8) || !file.Slice(8, 4).SequenceEqual("WAVE"u8))
        {
            return null;
        }

        long byteRate = 0;
        int at = 12;
        while (at + 8 <= file.Length)
        {
            var id = file.Slice(at, 4);
            long size = BinaryPrimitives.ReadUInt32LittleEndian(file.Slice(at + 4, 4));
            if (id.SequenceEqual("fmt "u8) && size >= 16 && at + 8 + 16 <= file.Length)
            {
                byteRate = BinaryPrimitives.ReadUInt32LittleEndian(file.Slice(at + 8 + 8, 4));
            }
            else if (id.SequenceEqual("data"u8))
            {
                // A streamed WAV may leave the size at 0 or 0xFFFFFFFF: the bytes present are the data.
                long present = file.Length - (at + 8);
                long data = size is 0 or uint.MaxValue || size > present ? present : size;
                return byteRate > 0 ? (data * 1000 + byteRate - 1) / byteRate : null;
            }

            at += 8 + (int)Math.Min(size + (size & 1), int.MaxValue - at - 8);
        }

        return null;
    }
}
