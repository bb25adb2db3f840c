using System.Globalization;
using System.Text.RegularExpressions;

namespace Candor.FunctionalTests.Operations;

/// <summary>Reads series out of a Prometheus text exposition: the sum of every sample of a metric whose labels include
/// the given ones (other labels, such as the exporter's scope labels, may be present too).</summary>
internal static partial class PrometheusText
{
    public static double Sum(string text, string metric, params (string Name, string Value)[] labels)
    {
        double sum = 0;
        foreach (var (name, set, value) in Samples(text))
        {
            if (name == metric && labels.All(l => set.TryGetValue(l.Name, out var v) && v == l.Value))
            {
                sum += value;
            }
        }

        return sum;
    }

    /// <summary>Every sample: metric name, labels, value.</summary>
    public static IEnumerable<(string Name, Dictionary<string, string> Labels, double Value)> Samples(string text)
    {
        foreach (string raw in text.Split('\n'))
        {
            string line = raw.Trim();
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            var m = Sample().Match(line);
            if (!m.Success)
            {
                continue;
            }

            var labels = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (Match l in Label().Matches(m.Groups["labels"].Value))
            {
                labels[l.Groups["k"].Value] = l.Groups["v"].Value;
            }

            yield return (m.Groups["name"].Value, labels, double.Parse(m.Groups["value"].Value, CultureInfo.InvariantCulture));
        }
    }

    [GeneratedRegex("""^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?<labels>.*)\})?\s+(?<value>\S+)(\s+\d+)?$""")]
    private static partial Regex Sample();

    [GeneratedRegex(""""(?<k>[a-zA-Z_][a-zA-Z0-9_]*)="(?<v>(\\.|[^"\\])*)"""")]
    private static partial Regex Label();
}
