using System.Text;

namespace Candor.Emulator.Generation;

/// <summary>FNV-1a 64-bit: a stable hash (unlike string.GetHashCode, which is randomized per process).</summary>
internal struct Hash
{
    private ulong _value = 0xCBF29CE484222325UL;

    public Hash()
    {
    }

    public readonly ulong Value => _value;

    public void Add(ReadOnlySpan<byte> bytes)
    {
        foreach (var b in bytes)
        {
            _value = (_value ^ b) * 0x100000001B3UL;
        }
    }

    public void Add(string? text)
    {
        Add(Encoding.UTF8.GetBytes(text ?? string.Empty));
        Add([0]);
    }

    public void Add(long value) => Add(BitConverter.GetBytes(value));

    public static ulong Of(string text)
    {
        var h = new Hash();
        h.Add(text);
        return h.Value;
    }
}
