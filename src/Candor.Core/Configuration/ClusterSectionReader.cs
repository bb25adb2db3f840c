using YamlDotNet.RepresentationModel;

namespace Candor.Core.Configuration;

/// <summary>The <c>cluster</c> section (<see cref="ClusterSettings"/>).</summary>
internal sealed class ClusterSectionReader(ConfigReader yaml)
{
    public ClusterSettings Read(YamlNode node)
    {
        var settings = new ClusterSettings();
        yaml.Each(node, "cluster", (key, k, v, path) => settings = key switch
        {
            "redis" => settings with { Redis = Redis(v, path) },
            "nodes" => settings with { Nodes = yaml.Int(v, path, 1, 1000) },
            _ => throw yaml.Fail(k, path, "unknown setting (expected redis, nodes)"),
        });
        return settings;
    }

    private string Redis(YamlNode node, string path)
    {
        string value = yaml.Scalar(node, path).Trim();
        return value.Length == 0 || value.Contains("password=", StringComparison.OrdinalIgnoreCase)
            ? throw yaml.Fail(node, path, "expected host:port (the password comes from CANDOR_REDIS_PASSWORD, never the file)")
            : value;
    }
}
