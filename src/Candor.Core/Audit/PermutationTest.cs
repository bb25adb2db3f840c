namespace Candor.Core.Audit;

/// <summary>
/// A stratified two-sample permutation test. Answers carry a stratum (the probe they answer) and a group
/// (reference or audited channel). Under the null hypothesis — the channel serves the claimed model as the reference
/// does — the group labels are exchangeable within each stratum, so shuffling them inside every stratum draws from the
/// statistic's exact null distribution. The p-value is <c>(1 + #{permuted ≥ observed}) / (1 + B)</c>, valid at any
/// sample size (Phipson and Smyth 2010); the critical value reported is the permuted statistics' (1 − α) quantile.
/// </summary>
internal static class PermutationTest
{
    /// <summary>The result of one test.</summary>
    /// <param name="Statistic">The observed statistic.</param>
    /// <param name="Threshold">The (1 − alpha) quantile of the permutation distribution.</param>
    /// <param name="PValue">The permutation p-value.</param>
    public readonly record struct Result(double Statistic, double Threshold, double PValue)
    {
        /// <summary>True when the test rejects at <paramref name="alpha"/>.</summary>
        public bool Rejects(double alpha) => PValue <= alpha;
    }

    /// <summary>Runs the test.</summary>
    /// <param name="strata">The stratum of each answer.</param>
    /// <param name="isProbe">The group of each answer (true: the audited channel); permuted in place and restored.</param>
    /// <param name="statistic">Computes the statistic from the current group labels; larger means "more different".</param>
    /// <param name="permutations">B, the number of random relabellings.</param>
    /// <param name="alpha">The level whose critical value is reported.</param>
    /// <param name="random">The source of shuffles (injected so tests are reproducible).</param>
    public static Result Run(int[] strata, bool[] isProbe, Func<bool[], double> statistic, int permutations, double alpha, Random random)
    {
        var observed = statistic(isProbe);
        var labels = (bool[])isProbe.Clone();
        var groups = strata.Select((s, i) => (s, i)).GroupBy(static x => x.s).Select(static g => g.Select(static x => x.i).ToArray()).ToArray();
        var permuted = new double[permutations];
        var atLeast = 0;
        for (var b = 0; b < permutations; b++)
        {
            foreach (var members in groups)
            {
                // Fisher–Yates over the labels of this stratum's members.
                for (var k = members.Length - 1; k > 0; k--)
                {
                    var j = random.Next(k + 1);
                    (labels[members[k]], labels[members[j]]) = (labels[members[j]], labels[members[k]]);
                }
            }

            permuted[b] = statistic(labels);
            if (permuted[b] >= observed - (1e-12 * Math.Max(1, Math.Abs(observed))))
            {
                atLeast++;
            }
        }

        Array.Sort(permuted);
        var index = Math.Clamp((int)Math.Ceiling((1 - alpha) * permutations) - 1, 0, permutations - 1);
        return new Result(observed, permuted.Length == 0 ? double.NaN : permuted[index], (1.0 + atLeast) / (1.0 + permutations));
    }
}
