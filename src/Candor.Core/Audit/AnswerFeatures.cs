using System.Text;

namespace Candor.Core.Audit;

/// <summary>
/// The statistics the audit tests compute over reference and channel answers.
/// <list type="bullet">
/// <item><b>model</b>: an MMD² with a linear kernel over each answer's word-frequency vector (words hashed into
/// <see cref="Buckets"/> buckets, divided by the answer's length, each bucket scaled by 1/√(pooled frequency) so
/// that rare and common words weigh alike, as in a chi-square test): the squared norm of the difference between the
/// two groups' mean feature vectors, the per-stratum differences summed first.</item>
/// <item><b>truncation</b>: how much shorter the channel's answers are than the reference's (Candor's own token
/// count), mean per stratum, one-sided.</item>
/// <item><b>usage</b>: how much larger the channel's ratio of reported to own output tokens is than the
/// reference's (log ratio, mean per stratum), one-sided, so the tokenizer's bias against the vendor cancels.</item>
/// </list>
/// </summary>
internal static class AnswerFeatures
{
    /// <summary>The dimension of the hashed word-frequency vector.</summary>
    public const int Buckets = 128;

    /// <summary>One text's word-frequency vector: each bucket's share of the text's words (all zero for no words).</summary>
    public static double[] RawFrequencies(string text)
    {
        var row = new double[Buckets];
        var words = 0;
        foreach (var word in Words(text))
        {
            row[Bucket(word)] += 1;
            words++;
        }

        if (words > 0)
        {
            for (var d = 0; d < Buckets; d++)
            {
                row[d] /= words;
            }
        }

        return row;
    }

    /// <summary>Per-answer normalised word-frequency vectors (rows), scaled by the pooled frequencies.</summary>
    public static double[][] WordFrequencies(IReadOnlyList<ProbeAnswer> answers)
    {
        var rows = new double[answers.Count][];
        for (var i = 0; i < answers.Count; i++)
        {
            rows[i] = RawFrequencies(answers[i].Text);
        }

        // Chi-square-like scaling by the pooled frequency of each bucket (pooled over both groups, so it does not
        // depend on the labels and the permutation test stays exact).
        var pooled = new double[Buckets];
        foreach (var row in rows)
        {
            for (var d = 0; d < Buckets; d++)
            {
                pooled[d] += row[d] / rows.Length;
            }
        }

        foreach (var row in rows)
        {
            for (var d = 0; d < Buckets; d++)
            {
                row[d] /= Math.Sqrt(pooled[d] + (1.0 / Buckets));
            }
        }

        return rows;
    }

    /// <summary>‖Σ over strata of (mean(channel) − mean(reference))‖²: the per-stratum differences add up before
    /// squaring, so a shift the model shows on every prompt adds coherently while the noise of each stratum does not.</summary>
    public static double Mmd(double[][] rows, int[] strata, bool[] isProbe, int strataCount)
    {
        var dim = rows.Length == 0 ? 0 : rows[0].Length;
        Span<int> na = stackalloc int[strataCount];
        Span<int> nb = stackalloc int[strataCount];
        for (var i = 0; i < rows.Length; i++)
        {
            if (isProbe[i])
            {
                nb[strata[i]]++;
            }
            else
            {
                na[strata[i]]++;
            }
        }

        Span<double> shift = stackalloc double[dim];
        for (var i = 0; i < rows.Length; i++)
        {
            var s = strata[i];
            if (na[s] == 0 || nb[s] == 0)
            {
                continue;
            }

            var weight = isProbe[i] ? 1.0 / nb[s] : -1.0 / na[s];
            var row = rows[i];
            for (var d = 0; d < dim; d++)
            {
                shift[d] += weight * row[d];
            }
        }

        var total = 0.0;
        for (var d = 0; d < dim; d++)
        {
            total += shift[d] * shift[d];
        }

        return total;
    }

    /// <summary>Σ over strata of (mean of <paramref name="values"/> in the channel group − mean in the reference group).</summary>
    public static double MeanShift(double[] values, int[] strata, bool[] isProbe, int strataCount)
    {
        Span<double> sums = stackalloc double[strataCount * 2];
        Span<int> counts = stackalloc int[strataCount * 2];
        for (var i = 0; i < values.Length; i++)
        {
            var at = (strata[i] * 2) + (isProbe[i] ? 1 : 0);
            sums[at] += values[i];
            counts[at]++;
        }

        var total = 0.0;
        for (var s = 0; s < strataCount; s++)
        {
            if (counts[2 * s] > 0 && counts[(2 * s) + 1] > 0)
            {
                total += (sums[(2 * s) + 1] / counts[(2 * s) + 1]) - (sums[2 * s] / counts[2 * s]);
            }
        }

        return total;
    }

    /// <summary>The lower-case words of a text, stripped of surrounding punctuation.</summary>
    public static IEnumerable<string> Words(string text)
    {
        foreach (var raw in text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries))
        {
            var word = raw.Trim('.', ',', ';', ':', '!', '?', '"', '\'', '(', ')', '[', ']').ToLowerInvariant();
            if (word.Length > 0)
            {
                yield return word;
            }
        }
    }

    private static int Bucket(string word)
    {
        // FNV-1a: stable across processes, unlike string.GetHashCode.
        var hash = 2166136261u;
        foreach (var b in Encoding.UTF8.GetBytes(word))
        {
            hash = (hash ^ b) * 16777619u;
        }

        return (int)(hash % Buckets);
    }
}
