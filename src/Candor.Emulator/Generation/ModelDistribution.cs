using System.Collections.Concurrent;

namespace Candor.Emulator.Generation;

/// <summary>
/// Each emulated model's own word distribution, so that a statistical test has something real to tell apart.
/// A model's weights over <see cref="Words"/>' vocabulary are a Zipf law over a permutation derived from its name.
/// A name ending in <c>-mini</c> is the cheaper sibling of the name without it: its weights are the sibling's,
/// tilted by <c>exp(Shift × u)</c> with <c>u</c> in [-1, 1] drawn per word from its own name — close enough that
/// one answer cannot be told apart, far enough that a few dozen can.
/// </summary>
internal sealed class ModelDistribution
{
    /// <summary>The tilt of a cheaper sibling's log-weights.</summary>
    public const double Shift = 0.6;

    /// <summary>The suffix that names a cheaper sibling.</summary>
    public const string CheaperSuffix = "-mini";

    private static readonly ConcurrentDictionary<string, ModelDistribution> Cache = new(StringComparer.Ordinal);

    private readonly double[] _weights;

    private ModelDistribution(double[] weights) => _weights = weights;

    /// <summary>The distribution of <paramref name="model"/> (cached per name).</summary>
    public static ModelDistribution For(string model) => Cache.GetOrAdd(model, static m => new ModelDistribution(Weights(m)));

    /// <summary>The model a dishonest upstream serves instead of <paramref name="model"/> when told to serve "cheaper".</summary>
    public static string CheaperSibling(string model, IReadOnlyDictionary<string, string>? pairs) =>
        pairs is not null && pairs.TryGetValue(model, out var configured) ? configured : model + CheaperSuffix;

    /// <summary>Draws a word index; temperature sharpens (below 1) or flattens (above 1) the distribution.</summary>
    public int Sample(SplitMix rng, double temperature)
    {
        var t = Math.Clamp(temperature, 0.2, 4.0);
        var total = 0.0;
        Span<double> cumulative = stackalloc double[_weights.Length];
        for (var i = 0; i < _weights.Length; i++)
        {
            total += t == 1.0 ? _weights[i] : Math.Pow(_weights[i], 1.0 / t);
            cumulative[i] = total;
        }

        var x = rng.NextDouble() * total;
        for (var i = 0; i < cumulative.Length; i++)
        {
            if (x < cumulative[i])
            {
                return i;
            }
        }

        return cumulative.Length - 1;
    }

    private static double[] Weights(string model)
    {
        var n = Words.VocabularySize;
        if (model.Length > CheaperSuffix.Length && model.EndsWith(CheaperSuffix, StringComparison.OrdinalIgnoreCase))
        {
            var parent = Weights(model[..^CheaperSuffix.Length]);
            var tilt = new SplitMix(Hash.Of("tilt:" + model));
            var tilted = new double[n];
            for (var i = 0; i < n; i++)
            {
                tilted[i] = parent[i] * Math.Exp(Shift * ((tilt.NextDouble() * 2) - 1));
            }

            return tilted;
        }

        // A Zipf law (exponent 1) over a permutation of the vocabulary seeded by the name.
        var order = new int[n];
        for (var i = 0; i < n; i++)
        {
            order[i] = i;
        }

        var rng = new SplitMix(Hash.Of("words:" + model));
        for (var i = n - 1; i > 0; i--)
        {
            var j = rng.Range(0, i + 1);
            (order[i], order[j]) = (order[j], order[i]);
        }

        var weights = new double[n];
        for (var rank = 0; rank < n; rank++)
        {
            weights[order[rank]] = 1.0 / (rank + 1);
        }

        return weights;
    }
}
