namespace Candor.Emulator.Generation;

/// <summary>SplitMix64: a tiny, fast, seedable PRNG whose sequence is identical on every platform and runtime.</summary>
internal sealed class SplitMix
{
    private ulong _state;

    public SplitMix(ulong seed) => _state = seed;

    public ulong Next()
    {
        var z = _state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>A value in [min, maxExclusive).</summary>
    public int Range(int min, int maxExclusive) =>
        maxExclusive <= min ? min : min + (int)(Next() % (ulong)(maxExclusive - min));

    /// <summary>A value in [0, 1).</summary>
    public double NextDouble() => (Next() >> 11) * (1.0 / (1UL << 53));

    public bool Bool() => (Next() & 1) == 1;
}
