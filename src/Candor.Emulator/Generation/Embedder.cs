namespace Candor.Emulator.Generation;

/// <summary>Deterministic unit-length embedding vectors derived from a hash of each input.</summary>
internal static class Embedder
{
    public const int DefaultDimensions = 16;

    public static float[] Embed(string input, int dimensions)
    {
        dimensions = Math.Clamp(dimensions, 1, 8192);
        var rng = new SplitMix(Hash.Of(input));
        var vector = new float[dimensions];
        double sumSquares = 0;
        for (var i = 0; i < dimensions; i++)
        {
            var value = (rng.NextDouble() * 2) - 1;
            vector[i] = (float)value;
            sumSquares += value * value;
        }

        var norm = Math.Sqrt(sumSquares);
        if (norm == 0)
        {
            vector[0] = 1;
            return vector;
        }

        for (var i = 0; i < dimensions; i++)
        {
            vector[i] = (float)(vector[i] / norm);
        }

        return vector;
    }
}
