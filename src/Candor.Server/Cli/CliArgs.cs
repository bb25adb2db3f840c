namespace Candor.Server.Cli;

/// <summary>Parsed `--name value` options and flags of one command.</summary>
internal sealed class CliArgs
{
    private readonly Dictionary<string, string> _values = new(StringComparer.Ordinal);
    private readonly HashSet<string> _flags = new(StringComparer.Ordinal);

    private CliArgs()
    {
    }

    /// <summary>Parses options; <paramref name="flags"/> name the options that take no value.</summary>
    /// <exception cref="ArgumentException">An option is unknown to the parser's rules or lacks its value.</exception>
    public static CliArgs Parse(string[] args, params string[] flags)
    {
        var result = new CliArgs();
        for (int i = 0; i < args.Length; i++)
        {
            string arg = args[i];
            if (!arg.StartsWith("--", StringComparison.Ordinal))
            {
                throw new ArgumentException($"unexpected argument '{arg}'");
            }

            if (flags.Contains(arg))
            {
                result._flags.Add(arg);
            }
            else if (i + 1 < args.Length)
            {
                result._values[arg] = args[++i];
            }
            else
            {
                throw new ArgumentException($"{arg} needs a value");
            }
        }

        return result;
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
