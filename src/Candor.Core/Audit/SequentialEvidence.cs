using System.Buffers.Binary;

namespace Candor.Core.Audit;

/// <summary>
/// Evidence against one channel accumulated over rounds, per test, as a <b>test martingale</b> (testing by betting).
/// Every probe is answered once by the channel and once by the reference; under the null hypothesis (the channel serves
/// the claimed model) the two answers of a pair are exchangeable, so a statistic that changes sign when they are swapped
/// has a symmetric distribution given everything seen before. Each pair contributes such a statistic x in [−1, 1]:
/// <list type="bullet">
/// <item><b>model</b>: the projection of the pair's difference of word-frequency vectors (scaled by the pooled
/// frequencies of the pairs before it) on the sum of all earlier differences — the direction a substitution has shown
/// so far — divided by three times the root mean square of the earlier projections and clipped to [−1, 1];</item>
/// <item><b>truncation</b>: (reference length − channel length) / (sum of both), Candor's own token counts;</item>
/// <item><b>usage</b>: tanh of (log(reported / own) of the channel − the reference's) / 0.25.</item>
/// </list>
/// Wealth starts at 1 and is multiplied by (1 + λ·x) for each pair; the e-value is the mean of the wealth over a grid of
/// bets λ. Under the null it is a non-negative martingale of mean 1, so by Ville's inequality the probability that it
/// <i>ever</i> reaches 1/a is at most a, however many rounds run: an honest channel is quarantined by one test's
/// evidence with probability ≤ a over its whole life (until the evidence is reset by an operator's lift). Under a
/// substitution, even a partial one, x has a positive mean and the wealth grows geometrically, so small mixes are caught
/// by accumulation rather than by one large round. Not thread-safe: one round of a target at a time updates it.
/// </summary>
internal sealed class SequentialEvidence
{
    /// <summary>The bets λ whose wealth processes are averaged (a mixture is itself a martingale).</summary>
    public static readonly double[] Bets = [0.05, 0.1, 0.2, 0.35, 0.5, 0.7, 0.9];

    /// <summary>Pairs that only teach the direction and scale before the model test bets.</summary>
    private const int WarmUp = 10;

    private const double UsageScale = 0.25;

    private readonly Process _model = new();
    private readonly Process _truncation = new();
    private readonly Process _usage = new();
    private readonly double[] _direction = new double[AnswerFeatures.Buckets];
    private readonly double[] _pooled = new double[AnswerFeatures.Buckets];
    private long _answers;
    private double _projectedSquares;
    private long _projected;

    /// <summary>Rounds that added pairs since the last reset.</summary>
    public int Rounds { get; private set; }

    /// <summary>Probe pairs counted since the last reset.</summary>
    public long Pairs { get; private set; }

    /// <summary>The e-value of <paramref name="test"/> (model, truncation, usage): 1 with no evidence.</summary>
    public double EValue(string test) => test switch
    {
        "model" => _model.EValue,
        "truncation" => _truncation.EValue,
        "usage" => _usage.EValue,
        _ => 1,
    };

    /// <summary>Adds one round's pairs (the channel's and the reference's answer to the same probe), in probe order.</summary>
    public void Add(IReadOnlyList<(ProbeAnswer Channel, ProbeAnswer Reference)> pairs)
    {
        ArgumentNullException.ThrowIfNull(pairs);
        if (pairs.Count == 0)
        {
            return;
        }

        Rounds++;
        foreach (var (channel, reference) in pairs)
        {
            Pairs++;
            _model.Bet(ModelStatistic(channel, reference));
            var ownSum = channel.OwnTokens + reference.OwnTokens;
            _truncation.Bet(ownSum == 0 ? 0 : (double)(reference.OwnTokens - channel.OwnTokens) / ownSum);
            if (channel.ReportedTokens is > 0 && reference.ReportedTokens is > 0 && channel.OwnTokens > 0 && reference.OwnTokens > 0)
            {
                var shift = Math.Log((double)channel.ReportedTokens.Value / channel.OwnTokens) - Math.Log((double)reference.ReportedTokens.Value / reference.OwnTokens);
                _usage.Bet(Math.Tanh(shift / UsageScale));
            }
        }
    }

    /// <summary>The pair's statistic for the model test, then the pair joins the direction and the pooled frequencies
    /// (both symmetric in the pair's labels except the direction, which is only read before the pair joins it).</summary>
    private double ModelStatistic(ProbeAnswer channel, ProbeAnswer reference)
    {
        var rows = new[] { AnswerFeatures.RawFrequencies(channel.Text), AnswerFeatures.RawFrequencies(reference.Text) };
        Span<double> difference = stackalloc double[AnswerFeatures.Buckets];
        double dot = 0, differenceNorm = 0, directionNorm = 0;
        for (var d = 0; d < difference.Length; d++)
        {
            // Scaled by the pooled frequency of earlier answers (label-free, known before this pair).
            var scale = 1 / Math.Sqrt((_answers == 0 ? 0 : _pooled[d] / _answers) + (1.0 / AnswerFeatures.Buckets));
            difference[d] = (rows[0][d] - rows[1][d]) * scale;
            dot += difference[d] * _direction[d];
            differenceNorm += difference[d] * difference[d];
            directionNorm += _direction[d] * _direction[d];
        }

        // The projection on the unit direction, in units of three earlier root-mean-squares: the scale and the direction
        // are known before the pair (predictable), so swapping the pair's answers only flips the sign of x.
        var projection = directionNorm == 0 ? 0 : dot / Math.Sqrt(directionNorm);
        var x = _projected < WarmUp || _projectedSquares == 0 ? 0 : projection / (3 * Math.Sqrt(_projectedSquares / _projected));
        if (directionNorm > 0 && differenceNorm > 0)
        {
            _projectedSquares += projection * projection;
            _projected++;
        }

        for (var d = 0; d < difference.Length; d++)
        {
            _direction[d] += difference[d];
            _pooled[d] += rows[0][d] + rows[1][d];
        }

        _answers += 2;
        return Math.Clamp(x, -1, 1);
    }

    /// <summary>The whole state as text (base64 of little-endian numbers, version 1), so that a restart resumes the
    /// evidence instead of giving a channel a fresh start; <see cref="Import"/> reads it back.</summary>
    public string Export()
    {
        var numbers = new List<double>(ExportedDoubles) { Rounds, Pairs, _answers, _projected, _projectedSquares };
        foreach (var process in (Process[])[_model, _truncation, _usage])
        {
            numbers.AddRange(process.LogWealth);
        }

        numbers.AddRange(_direction);
        numbers.AddRange(_pooled);
        var bytes = new byte[1 + (numbers.Count * sizeof(double))];
        bytes[0] = ExportVersion;
        for (var i = 0; i < numbers.Count; i++)
        {
            BinaryPrimitives.WriteDoubleLittleEndian(bytes.AsSpan(1 + (i * sizeof(double))), numbers[i]);
        }

        return Convert.ToBase64String(bytes);
    }

    /// <summary>The evidence <see cref="Export"/> wrote, or null when <paramref name="text"/> is not such a state (another
    /// version, another shape, a number out of range).</summary>
    public static SequentialEvidence? Import(string text)
    {
        byte[] bytes;
        try
        {
            bytes = Convert.FromBase64String(text);
        }
        catch (FormatException)
        {
            return null;
        }

        if (bytes.Length != 1 + (ExportedDoubles * sizeof(double)) || bytes[0] != ExportVersion)
        {
            return null;
        }

        var at = 0;
        var finite = true;
        double Next()
        {
            var value = BinaryPrimitives.ReadDoubleLittleEndian(bytes.AsSpan(1 + (at++ * sizeof(double))));
            finite &= double.IsFinite(value);
            return value;
        }

        var evidence = new SequentialEvidence();
        double rounds = Next(), pairs = Next(), answers = Next(), projected = Next(), squares = Next();
        if (!Count(rounds, int.MaxValue) || !Count(pairs, long.MaxValue) || !Count(answers, long.MaxValue) || !Count(projected, long.MaxValue)
            || !double.IsFinite(squares) || squares < 0)
        {
            return null;
        }

        evidence.Rounds = (int)rounds;
        evidence.Pairs = (long)pairs;
        evidence._answers = (long)answers;
        evidence._projected = (long)projected;
        evidence._projectedSquares = squares;
        foreach (var process in (Process[])[evidence._model, evidence._truncation, evidence._usage])
        {
            for (var k = 0; k < Bets.Length; k++)
            {
                process.LogWealth[k] = Next();
            }
        }

        for (var d = 0; d < AnswerFeatures.Buckets; d++)
        {
            evidence._direction[d] = Next();
        }

        for (var d = 0; d < AnswerFeatures.Buckets; d++)
        {
            evidence._pooled[d] = Next();
        }

        return finite ? evidence : null;
    }

    private static bool Count(double value, double max) => double.IsFinite(value) && value >= 0 && value <= max && value == Math.Floor(value);

    private const byte ExportVersion = 1;

    private static readonly int ExportedDoubles = 5 + (3 * Bets.Length) + (2 * AnswerFeatures.Buckets);

    /// <summary>The wealth of every bet in log form (sums of log(1 + λx)), so it neither overflows nor underflows.</summary>
    private sealed class Process
    {
        private readonly double[] _logWealth = new double[Bets.Length];

        /// <summary>The log wealth per bet (read and restored by <see cref="Export"/> and <see cref="Import"/>).</summary>
        public double[] LogWealth => _logWealth;

        public double EValue
        {
            get
            {
                var max = _logWealth.Max();
                var sum = 0.0;
                foreach (var w in _logWealth)
                {
                    sum += Math.Exp(w - max);
                }

                return Math.Exp(max) * sum / _logWealth.Length;
            }
        }

        public void Bet(double x)
        {
            for (var k = 0; k < Bets.Length; k++)
            {
                _logWealth[k] += Math.Log(1 + (Bets[k] * x));
            }
        }
    }
}
