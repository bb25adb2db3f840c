namespace Candor.Server.Cli;

/// <summary>Parsed `--name value` options and flags of one command.</summary>
internal sealed class CliArgs
{
    private readonly Dictionary<string, string> _values = new(StringComparer.Ordinal);
    private readonly HashSet<string> _flags = new(StringComparer.Ordinal);

    private CliArgs()
    {
    }

    /// <summary>Parses the options of <paramref name="command"/> (<c>"keys create"</c>) strictly: every option must be
    /// one the command declares (<see cref="CliSyntax"/>), given once, and a value option needs its value.</summary>
    /// <exception cref="ArgumentException">Unknown, repeated or valueless options, named in the message.</exception>
    public static CliArgs Parse(string command, string[] args)
    {
        var (values, flags) = CliSyntax.Of(command);
        var result = new CliArgs();
        var unknown = new List<string>();
        for (int i = 0; i < args.Length; i++)
        {
            string arg = args[i];
            if (!arg.StartsWith("--", StringComparison.Ordinal))
            {
                throw new ArgumentException($"unexpected argument '{arg}' for '{command}'");
            }

            if (result._values.ContainsKey(arg) || result._flags.Contains(arg))
            {
                throw new ArgumentException($"{arg} is given more than once");
            }

            if (flags.Contains(arg))
            {
                result._flags.Add(arg);
            }
            else if (!values.Contains(arg))
            {
                unknown.Add(arg);
                if (i + 1 < args.Length && !args[i + 1].StartsWith("--", StringComparison.Ordinal))
                {
                    i++;
                }
            }
            else if (i + 1 < args.Length && !args[i + 1].StartsWith("--", StringComparison.Ordinal))
            {
                result._values[arg] = args[++i];
            }
            else
            {
                throw new ArgumentException($"{arg} needs a value");
            }
        }

        if (unknown.Count > 0)
        {
            string named = string.Join(", ", unknown.Select(u => Closest(u, [.. values, .. flags]) is { } near ? $"'{u}' (did you mean {near}?)" : $"'{u}'"));
            throw new ArgumentException($"unknown option{(unknown.Count > 1 ? "s" : "")} {named} for '{command}'; it takes {string.Join(", ", values.Concat(flags).Order(StringComparer.Ordinal))}");
        }

        return result;
    }

    /// <summary>The declared option nearest to a misspelled one (at most two edits away), or null.</summary>
    private static string? Closest(string option, string[] known)
    {
        string? best = null;
        int bestDistance = 3;
        foreach (string candidate in known)
        {
            int d = Distance(option, candidate);
            if (d < bestDistance)
            {
                (best, bestDistance) = (candidate, d);
            }
        }

        return best;
    }

    /// <summary>Edit distance with transpositions (optimal string alignment): "--rmp" is one edit from "--rpm".</summary>
    private static int Distance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (int i = 0; i <= a.Length; i++)
        {
            d[i, 0] = i;
        }

        for (int j = 0; j <= b.Length; j++)
        {
            d[0, j] = j;
        }

        for (int i = 1; i <= a.Length; i++)
        {
            for (int j = 1; j <= b.Length; j++)
            {
                int cost = a[i - 1] == b[j - 1] ? 0 : 1;
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                {
                    d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
                }
            }
        }

        return d[a.Length, b.Length];
    }

    public string? Get(string name) => _values.GetValueOrDefault(name);

    public string Require(string name) => Get(name) ?? throw new ArgumentException($"{name} is required");

    public bool Has(string flag) => _flags.Contains(flag);

    public int? Int(string name) => Get(name) is { } v
        ? int.TryParse(v, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int n) && n > 0 ? n : throw new ArgumentException($"{name} must be a positive integer")
        : null;

    public IReadOnlyList<string> List(string name) => Get(name) is { } v
        ? v.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
        : [];

    /// <summary>Reads a USD amount such as 12.50 as exact micro-USD (at most six decimals).</summary>
    public long? Usd(string name)
    {
        if (Get(name) is not { } v)
        {
            return null;
        }

        if (!decimal.TryParse(v, System.Globalization.NumberStyles.AllowDecimalPoint, System.Globalization.CultureInfo.InvariantCulture, out decimal usd)
            || usd <= 0 || decimal.Round(usd, 6) != usd || usd > 1_000_000_000m)
        {
            throw new ArgumentException($"{name} must be a positive USD amount with at most six decimals");
        }

        return (long)(usd * 1_000_000m);
    }
}
