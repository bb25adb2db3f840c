using System.Globalization;
using Candor.Core.Privacy;
using YamlDotNet.RepresentationModel;

namespace Candor.Core.Configuration;

/// <summary>The typed reads every section shares (mappings, lists, numbers, durations, paths, regions, secrets from
/// the environment), each failing with the node's line and column through one <see cref="ConfigErrors"/>.
/// <see cref="Each"/> and <see cref="Items"/> read one entry at a time, so a fault abandons only its own entry.</summary>
internal sealed class ConfigReader(ConfigErrors errors, string? baseDirectory, Func<string, string?> environment)
{
    public ConfigErrors Errors => errors;

    /// <summary>Reads an environment variable the file names.</summary>
    public string? Environment(string name) => environment(name);

    public Exception Fail(YamlNode node, string path, string message) => errors.Fail(node, path, message);

    /// <summary>Reads each setting of a mapping; a fault in one is recorded and the next is read.</summary>
    public void Each(YamlNode node, string path, Action<string, YamlNode, YamlNode, string> read)
    {
        foreach (var (k, v) in Map(node, path).Children)
        {
            errors.Run(() =>
            {
                string key = Scalar(k, path);
                read(key, k, v, $"{path}.{key}");
            });
        }
    }

    /// <summary>Reads each item of a list (<c>path[i]</c>); a fault in one is recorded and the next is read.</summary>
    public void Items(YamlNode node, string path, Action<YamlNode, string> read)
    {
        int i = 0;
        foreach (var item in Seq(node, path).Children)
        {
            string at = $"{path}[{i++}]";
            errors.Run(() => read(item, at));
        }
    }

    public YamlMappingNode Map(YamlNode node, string path) =>
        node as YamlMappingNode ?? throw Fail(node, path, "expected a mapping");

    public YamlSequenceNode Seq(YamlNode node, string path) =>
        node as YamlSequenceNode ?? throw Fail(node, path, "expected a list");

    public string Scalar(YamlNode node, string path) =>
        node is YamlScalarNode { Value: { } v } ? v : throw Fail(node, path, "expected a value");

    /// <summary>A path setting; a relative path is taken relative to the configuration file's directory.</summary>
    public string FilePath(YamlNode node, string path)
    {
        string value = Scalar(node, path).Trim();
        if (value.Length == 0)
        {
            throw Fail(node, path, "expected a path");
        }

        return baseDirectory is null || Path.IsPathRooted(value) ? value : Path.GetFullPath(Path.Combine(baseDirectory, value));
    }

    public long Long(YamlNode node, string path, long min = long.MinValue, long max = long.MaxValue)
    {
        string s = Scalar(node, path);
        if (!long.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out long v) || v < min || v > max)
        {
            throw Fail(node, path, $"expected an integer between {min} and {max}");
        }

        return v;
    }

    public int Int(YamlNode node, string path, int min, int max) => (int)Long(node, path, min, max);

    public bool Bool(YamlNode node, string path) => Scalar(node, path) switch
    {
        "true" or "yes" or "on" => true,
        "false" or "no" or "off" => false,
        _ => throw Fail(node, path, "expected true or false"),
    };

    public TimeSpan Duration(YamlNode node, string path)
    {
        string s = Scalar(node, path).Trim();
        (string num, double scale) = s switch
        {
            _ when s.EndsWith("ms", StringComparison.Ordinal) => (s[..^2], 0.001),
            _ when s.EndsWith('s') => (s[..^1], 1.0),
            _ when s.EndsWith('m') => (s[..^1], 60.0),
            _ when s.EndsWith('h') => (s[..^1], 3600.0),
            _ => (s, 1.0),
        };
        if (!double.TryParse(num, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) || v <= 0)
        {
            throw Fail(node, path, "expected a positive duration such as 500ms, 10s, 2m or 1h");
        }

        return TimeSpan.FromSeconds(v * scale);
    }

    public double Number(YamlNode node, string path, double min, double max)
    {
        string s = Scalar(node, path);
        if (!double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) || v < min || v > max)
        {
            throw Fail(node, path, $"expected a number between {min} and {max}");
        }

        return v;
    }

    /// <summary>A share greater than 0 and at most 1.</summary>
    public double Fraction(YamlNode node, string path)
    {
        string s = Scalar(node, path);
        if (!double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) || v <= 0 || v > 1)
        {
            throw Fail(node, path, "expected a number greater than 0 and at most 1 (for example 0.5)");
        }

        return v;
    }

    public string Region(YamlNode node, string path)
    {
        string region = Scalar(node, path).Trim().ToLowerInvariant();
        return DataPolicyRequirements.IsValidRegion(region) && region != "unknown"
            ? region
            : throw Fail(node, path, "expected a region code such as cn, us or eu (letters, digits and '-')");
    }

    public AllUnhealthyPolicy AllUnhealthy(YamlNode node, string path) => Scalar(node, path) switch
    {
        "fail_fast" => AllUnhealthyPolicy.FailFast,
        "try_anyway" => AllUnhealthyPolicy.TryAnyway,
        _ => throw Fail(node, path, "expected fail_fast or try_anyway"),
    };
}
