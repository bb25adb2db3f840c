using System.Buffers;
using System.Globalization;
using System.Text.Json;

namespace Candor.Core.Audit;

/// <summary>Checks an audit verdict as a log monitor reads it from the transparency log: the entry must be exactly what
/// <see cref="AuditVerdict.ToCanonicalJson"/> writes (one object, members in code-point order and each once, string
/// and number values only, no whitespace, numbers in their shortest form), carry every member a verdict has with a
/// value in range, and state a decision its own figures allow (<see cref="ChannelAuditor"/>'s rules). The log's
/// signature says the operator published the entry; this says the entry is a verdict the auditor could have
/// reached — a <c>pass</c> over a p-value below alpha, a <c>fail</c> without cause or a hand-edited member is
/// reported.</summary>
internal static class AuditVerdictEntry
{
    /// <summary>The <c>type</c> member of a verdict.</summary>
    public const string Type = "candor.audit.verdict.v1";

    /// <summary>Relative slack for comparisons of figures rounded to nine significant digits.</summary>
    private const double Slack = 1e-8;

    private static readonly string[] Required =
        ["alpha", "channel", "claimed_model", "decision", "n_probes", "n_reference", "p_value", "reference_channel", "round", "statistic", "test", "threshold", "time", "type"];

    /// <summary>True when <paramref name="entry"/> is meant as a JSON document (Candor's other entries are 32-byte
    /// receipt hashes, told apart by length).</summary>
    public static bool IsDocument(ReadOnlySpan<byte> entry) => entry.Length != 32 && entry.Length > 0 && entry[0] == (byte)'{';

    /// <summary>Null when <paramref name="entry"/> is a well-formed verdict whose decision its figures allow, else
    /// what is wrong.</summary>
    public static string? Check(ReadOnlySpan<byte> entry)
    {
        var strings = new Dictionary<string, string>(StringComparer.Ordinal);
        var numbers = new Dictionary<string, double>(StringComparer.Ordinal);
        if (Canonical(entry, strings, numbers) is { } malformed)
        {
            return malformed;
        }

        if (!strings.TryGetValue("type", out string? type) || type != Type)
        {
            return $"type is not {Type}";
        }

        foreach (string name in Required)
        {
            if (!strings.ContainsKey(name) && !numbers.ContainsKey(name))
            {
                return $"member '{name}' is missing";
            }
        }

        foreach (string name in (string[])["channel", "claimed_model", "decision", "reference_channel", "test", "time"])
        {
            if (!strings.ContainsKey(name))
            {
                return $"member '{name}' is not a string";
            }
        }

        foreach (string name in (string[])["alpha", "n_probes", "n_reference", "p_value", "round", "statistic", "threshold"])
        {
            if (!numbers.ContainsKey(name))
            {
                return $"member '{name}' is not a number";
            }
        }

        return Figures(strings, numbers);
    }

    /// <summary>The ranges and the decision rule.</summary>
    private static string? Figures(Dictionary<string, string> strings, Dictionary<string, double> numbers)
    {
        double alpha = numbers["alpha"], p = numbers["p_value"], statistic = numbers["statistic"];
        string test = strings["test"], decision = strings["decision"];
        if (!DateTime.TryParseExact(strings["time"], "yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture, DateTimeStyles.None, out _))
        {
            return $"time '{strings["time"]}' is not RFC 3339 UTC to the second";
        }

        if (alpha is < 0 or >= 1 || p is < 0 or > 1)
        {
            return $"alpha {Show(alpha)} or p_value {Show(p)} lies outside [0, 1)";
        }

        foreach (string count in (string[])["n_probes", "n_reference", "round"])
        {
            if (numbers[count] < 0 || numbers[count] != Math.Floor(numbers[count]))
            {
                return $"{count} {Show(numbers[count])} is not a count";
            }
        }

        if (numbers.ContainsKey("evidence") != numbers.ContainsKey("evidence_rounds"))
        {
            return "evidence and evidence_rounds come together";
        }

        switch (test)
        {
            case "all":
                return decision == "inconclusive" ? null : $"a round-wide verdict (test 'all') is inconclusive, not {decision}";
            case "reported_model":
                // Deterministic: the statistic counts answers naming a foreign model; any is a failure.
                string expected = statistic > 0 ? "fail" : "pass";
                return decision == expected && p == (statistic > 0 ? 0 : 1) ? null
                    : $"reported_model with {Show(statistic)} foreign names must be {expected} (p_value {(statistic > 0 ? 0 : 1)}), not {decision} (p_value {Show(p)})";
        }

        if (alpha <= 0)
        {
            return $"test '{test}' has alpha {Show(alpha)}: a statistical test needs a level above 0";
        }

        // Evidence written as −1 is not finite (the writer's mark), so it decides like a huge one.
        double? evidence = numbers.TryGetValue("evidence", out double e) ? e < 0 ? double.PositiveInfinity : e : null;
        bool evidenceFails = evidence >= (1 / alpha) * (1 + Slack);
        bool evidenceHolds = evidence is null || evidence < (1 / alpha) * (1 - Slack);
        bool rejects = p <= alpha * (1 - Slack);
        bool accepts = p > alpha * (1 + Slack);
        string? wrong = decision switch
        {
            "pass" when evidenceFails => $"pass although the evidence {Show(evidence!.Value)} reached 1/alpha = {Show(1 / alpha)}",
            "pass" when rejects => $"pass although p_value {Show(p)} ≤ alpha {Show(alpha)}",
            "suspect" when evidenceFails => $"suspect although the evidence {Show(evidence!.Value)} reached 1/alpha = {Show(1 / alpha)} (a failure)",
            "suspect" when accepts => $"suspect although p_value {Show(p)} > alpha {Show(alpha)}",
            "fail" when accepts && evidenceHolds => $"fail although p_value {Show(p)} > alpha {Show(alpha)} and the evidence is below 1/alpha",
            "pass" or "suspect" or "fail" => null,
            _ => $"decision '{decision}' is not pass, suspect or fail for test '{test}'",
        };
        return wrong;
    }

    /// <summary>Reads the members (string and number values only) and checks that writing them back as the auditor does
    /// gives the same bytes: code-point order, each name once, no whitespace, shortest number forms.</summary>
    private static string? Canonical(ReadOnlySpan<byte> entry, Dictionary<string, string> strings, Dictionary<string, double> numbers)
    {
        var rewritten = new ArrayBufferWriter<byte>(entry.Length + 16);
        try
        {
            var reader = new Utf8JsonReader(entry);
            using var writer = new Utf8JsonWriter(rewritten);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return "not a JSON object";
            }

            writer.WriteStartObject();
            string? previous = null;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                string name = reader.GetString()!;
                if (previous is not null && string.CompareOrdinal(previous, name) >= 0)
                {
                    return string.Equals(previous, name, StringComparison.Ordinal) ? $"member '{name}' appears twice" : $"member '{name}' is out of code-point order";
                }

                previous = name;
                reader.Read();
                switch (reader.TokenType)
                {
                    case JsonTokenType.String:
                        strings[name] = reader.GetString()!;
                        writer.WriteString(name, strings[name]);
                        break;
                    case JsonTokenType.Number when reader.TryGetDouble(out double value) && double.IsFinite(value):
                        numbers[name] = value;
                        writer.WriteNumber(name, value);
                        break;
                    default:
                        return $"member '{name}' is not a string or a number";
                }
            }

            if (reader.TokenType != JsonTokenType.EndObject || reader.Read())
            {
                return "not one JSON object";
            }

            writer.WriteEndObject();
        }
        catch (JsonException e)
        {
            return $"not JSON ({e.Message})";
        }

        return rewritten.WrittenSpan.SequenceEqual(entry) ? null : "not in canonical form (whitespace, escapes or number forms differ from the auditor's)";
    }

    private static string Show(double value) => value.ToString("G9", CultureInfo.InvariantCulture);
}
