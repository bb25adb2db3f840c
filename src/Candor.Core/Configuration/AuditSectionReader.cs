using Candor.Core.Audit;
using YamlDotNet.RepresentationModel;

namespace Candor.Core.Configuration;

/// <summary>The <c>audit</c> section: canary probes of upstream channels (docs/audits.md). Read after the channels,
/// whose ids its targets name.</summary>
internal sealed class AuditSectionReader(ConfigReader yaml)
{
    public AuditSettings Read(YamlMappingNode node, IReadOnlySet<string> channelIds)
    {
        int errors = yaml.Errors.Count;
        bool enabled = false;
        TimeSpan interval = TimeSpan.FromHours(1), spread = TimeSpan.Zero;
        int concurrency = 2, repeats = 5, permutations = 999, declaredTargets = 0;
        double alpha = 0.01, temperature = 1.0;
        IReadOnlyList<AuditTarget> targets = [];
        yaml.Each(node, "audit", (key, k, v, path) =>
        {
            switch (key)
            {
                case "enabled": enabled = yaml.Bool(v, path); break;
                case "interval": interval = yaml.Duration(v, path); break;
                case "concurrency": concurrency = yaml.Int(v, path, min: 1, max: 64); break;
                case "repeats": repeats = yaml.Int(v, path, min: 2, max: 100); break;
                case "permutations": permutations = yaml.Int(v, path, min: 99, max: 100_000); break;
                case "alpha": alpha = yaml.Number(v, path, 1e-9, 0.5); break;
                case "temperature": temperature = yaml.Number(v, path, 0.01, 2.0); break;
                case "spread": spread = yaml.Duration(v, path); break;
                case "targets": targets = Targets(v, path, channelIds, out declaredTargets); break;
                default: throw yaml.Fail(k, path, "unknown setting");
            }
        });

        if (spread >= interval)
        {
            yaml.Errors.Report(node, "audit.spread", "the spread of a round's probes must be shorter than the interval");
        }

        if (enabled && declaredTargets == 0)
        {
            yaml.Errors.Report(node, "audit.targets", "audits are enabled but no targets are declared");
        }

        if (yaml.Errors.Count == errors && alpha / 3 * (permutations + 1) < 1)
        {
            yaml.Errors.Report(node, "audit.permutations", $"too few permutations to reach alpha/3 = {alpha / 3:G3}; use at least {(int)Math.Ceiling(3 / alpha)}");
        }

        return new AuditSettings
        {
            Enabled = enabled, Interval = interval, Concurrency = concurrency, Repeats = repeats, Permutations = permutations,
            Alpha = alpha, Temperature = temperature, Spread = spread, Targets = targets,
        };
    }

    private IReadOnlyList<AuditTarget> Targets(YamlNode node, string path, IReadOnlySet<string> channelIds, out int declared)
    {
        declared = node is YamlSequenceNode list ? list.Children.Count : 1;
        var targets = new List<AuditTarget>();
        yaml.Items(node, path, (item, at) => targets.Add(Target(item, at, channelIds)));
        return [.. targets];
    }

    private AuditTarget Target(YamlNode item, string at, IReadOnlySet<string> channelIds)
    {
        string? channel = null, model = null, reference = null, referenceModel = null;
        int? repeats = null;
        yaml.Each(item, at, (key, k, v, path) =>
        {
            switch (key)
            {
                case "channel": channel = yaml.Scalar(v, path); break;
                case "model": model = yaml.Scalar(v, path); break;
                case "reference_channel": reference = yaml.Scalar(v, path); break;
                case "reference_model": referenceModel = yaml.Scalar(v, path); break;
                case "repeats": repeats = yaml.Int(v, path, min: 2, max: 100); break;
                default: throw yaml.Fail(k, path, "unknown setting (expected channel, model, reference_channel, reference_model, repeats)");
            }
        });

        if (channel is null || model is null || reference is null)
        {
            throw yaml.Fail(item, at, "an audit target needs channel, model and reference_channel");
        }

        foreach (var id in new[] { channel, reference })
        {
            if (!channelIds.Contains(id))
            {
                throw yaml.Fail(item, at, $"names unknown channel '{id}'");
            }
        }

        if (channel == reference)
        {
            throw yaml.Fail(item, at, "the reference channel must be another (trusted) channel");
        }

        return new AuditTarget { ChannelId = channel, Model = model, ReferenceChannelId = reference, ReferenceModel = referenceModel ?? model, Repeats = repeats };
    }
}
