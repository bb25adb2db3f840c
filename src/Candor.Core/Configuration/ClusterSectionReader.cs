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
            "log" => settings with { LocalLog = LocalLog(v, path) },
            _ => throw yaml.Fail(k, path, "unknown setting (expected redis, nodes, log)"),
        });
        return settings;
    }

    private bool LocalLog(YamlNode node, string path) => yaml.Scalar(node, path).Trim() switch
    {
        "shared" => false,
        "local" => true,
        _ => throw yaml.Fail(node, path, "expected shared (one log for every node, in the database) or local (this node's data directory)"),
    };

    private string Redis(YamlNode node, string path)
    {
        string value = yaml.Scalar(node, path).Trim();
        return value.Length == 0 || value.Contains("password=", StringComparison.OrdinalIgnoreCase)
            ? throw yaml.Fail(node, path, "expected host:port (the password comes from CANDOR_REDIS_PASSWORD, never the file)")
            : value;
    }
}
