using YamlDotNet.RepresentationModel;

namespace Candor.Core.Configuration;

/// <summary>The <c>routing</c> section: the deadline, the all-unhealthy policy, passive health and active probes
/// (docs/routing.md).</summary>
internal sealed class RoutingSectionReader(ConfigReader yaml)
{
    public RoutingOptions Read(YamlNode node)
    {
        var routing = new RoutingOptions();
        yaml.Each(node, "routing", (key, k, v, path) => routing = key switch
        {
            "deadline" => routing with { Deadline = yaml.Duration(v, path) },
            "all_unhealthy" => routing with { AllUnhealthy = yaml.AllUnhealthy(v, path) },
            "health" => routing with { Health = Health(v, path) },
            "probes" => routing with { Probes = Probes(v, path) },
            _ => throw yaml.Fail(k, path, "unknown routing setting (expected deadline, all_unhealthy, health, probes)"),
        });
        return routing;
    }

    private HealthOptions Health(YamlNode node, string path)
    {
        int errors = yaml.Errors.Count;
        var health = new HealthOptions();
        yaml.Each(node, path, (key, k, v, hpath) => health = key switch
        {
            "window" => health with { Window = yaml.Duration(v, hpath) },
            "min_requests" => health with { MinRequests = yaml.Int(v, hpath, min: 1, max: 1_000_000) },
            "failure_rate" => health with { FailureRate = yaml.Fraction(v, hpath) },
            "cooldown" => health with { Cooldown = yaml.Duration(v, hpath) },
            "max_cooldown" => health with { MaxCooldown = yaml.Duration(v, hpath) },
            "half_open_trials" => health with { HalfOpenTrials = yaml.Int(v, hpath, min: 1, max: 1000) },
            _ => throw yaml.Fail(k, hpath, "unknown health setting (expected window, min_requests, failure_rate, cooldown, max_cooldown, half_open_trials)"),
        });
        if (yaml.Errors.Count == errors && health.MaxCooldown < health.Cooldown)
        {
            throw yaml.Fail(node, path + ".max_cooldown", "must not be shorter than cooldown");
        }

        return health;
    }

    private ProbeOptions Probes(YamlNode node, string path)
    {
        var probes = new ProbeOptions();
        yaml.Each(node, path, (key, k, v, ppath) => probes = key switch
        {
            "enabled" => probes with { Enabled = yaml.Bool(v, ppath) },
            "interval" => probes with { Interval = yaml.Duration(v, ppath) },
            "timeout" => probes with { Timeout = yaml.Duration(v, ppath) },
            _ => throw yaml.Fail(k, ppath, "unknown probe setting (expected enabled, interval, timeout)"),
        });
        return probes;
    }
}
