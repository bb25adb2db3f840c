using Candor.Core.Privacy;
using Candor.Core.Privacy.Redaction;
using YamlDotNet.RepresentationModel;

namespace Candor.Core.Configuration;

/// <summary>The privacy parts of the configuration: the <c>privacy</c> section, a channel's <c>region</c> and
/// <c>data_policy</c>, and a key's <c>privacy</c>. Every value is checked against a closed list, so a typo
/// stops the start instead of silently weakening a policy.</summary>
public sealed partial class ConfigLoader
{
    private void ReadPrivacy(YamlMappingNode node, CandorConfig config)
    {
        var settings = config.Privacy;
        foreach (var (k, v) in node.Children)
        {
            string key = Scalar(k, "privacy");
            string path = "privacy." + key;
            switch (key)
            {
                case "retention":
                    settings = settings with
                    {
                        Retention = Scalar(v, path) switch
                        {
                            "none" => RetentionMode.None,
                            "account_history" => RetentionMode.AccountHistory,
                            _ => throw Fail(v, path, "unknown retention mode (expected none or account_history); Candor refuses to start rather than guess"),
                        },
                    };
                    break;
                case "routing":
                    settings = settings with { Routing = Requirement(Map(v, path), path) };
                    break;
                case "redaction":
                    config.Redaction = ReadRedaction(Map(v, path), path);
                    break;
                case "history":
                    foreach (var (hk, hv) in Map(v, path).Children)
                    {
                        string hkey = Scalar(hk, path);
                        switch (hkey)
                        {
                            case "retention_days":
                                settings = settings with { HistoryRetentionDays = (int)Long(hv, $"{path}.{hkey}", min: 1, max: 3650) };
                                break;
                            default:
                                throw Fail(hk, $"{path}.{hkey}", "unknown history setting (expected retention_days)");
                        }
                    }

                    break;
                default:
                    throw Fail(k, path, "unknown privacy setting (expected retention, routing, redaction, history)");
            }
        }

        config.Privacy = settings;
    }

    private (DataPolicyRequirement? Routing, RedactionPolicy? Redaction) KeyPrivacy(YamlMappingNode node, string at)
    {
        DataPolicyRequirement? routing = null;
        RedactionPolicy? redaction = null;
        foreach (var (k, v) in node.Children)
        {
            string key = Scalar(k, at);
            switch (key)
            {
                case "routing":
                    routing = Requirement(Map(v, $"{at}.routing"), $"{at}.routing");
                    break;
                case "redaction":
                    redaction = ReadRedaction(Map(v, $"{at}.redaction"), $"{at}.redaction");
                    break;
                default:
                    throw Fail(k, $"{at}.{key}", "unknown key privacy setting (expected routing, redaction)");
            }
        }

        return (routing, redaction);
    }

    /// <summary>A redaction policy: <c>default: ACTION</c> for types not listed, and <c>TYPE: ACTION</c> per entity type.</summary>
    private RedactionPolicy ReadRedaction(YamlMappingNode node, string at)
    {
        var actions = new Dictionary<string, EntityAction>(StringComparer.Ordinal);
        var fallback = EntityAction.Allow;
        foreach (var (k, v) in node.Children)
        {
            string key = Scalar(k, at);
            string path = $"{at}.{key}";
            string word = Scalar(v, path);
            if (!RedactionPolicies.TryParseAction(word, out var action))
            {
                throw Fail(v, path, $"unknown action '{word}' (expected allow, mask, pseudonymize, block)");
            }

            if (key == "default")
            {
                fallback = action;
            }
            else if (EntityNames.TryParse(key, out _))
            {
                actions[key] = action;
            }
            else
            {
                throw Fail(k, path, $"unknown entity type (expected default or one of {string.Join(", ", EntityNames.All)})");
            }
        }

        return new RedactionPolicy(actions, fallback);
    }

    /// <summary><c>{regions: [cn, …], zero_retention: bool, never_train: bool}</c>; every field optional.</summary>
    private DataPolicyRequirement Requirement(YamlMappingNode node, string at)
    {
        List<string>? regions = null;
        bool zeroRetention = false, neverTrain = false;
        foreach (var (k, v) in node.Children)
        {
            string key = Scalar(k, at);
            string path = $"{at}.{key}";
            switch (key)
            {
                case "regions":
                    regions = [];
                    int i = 0;
                    foreach (var r in Seq(v, path).Children)
                    {
                        regions.Add(Region(r, $"{path}[{i++}]"));
                    }

                    if (regions.Count == 0)
                    {
                        throw Fail(v, path, "name at least one region (omit 'regions' to allow any)");
                    }

                    break;
                case "zero_retention":
                    zeroRetention = Bool(v, path);
                    break;
                case "never_train":
                    neverTrain = Bool(v, path);
                    break;
                default:
                    throw Fail(k, path, "unknown routing requirement (expected regions, zero_retention, never_train)");
            }
        }

        return DataPolicyRequirements.Create(regions, zeroRetention, neverTrain);
    }

    private (UpstreamRetention Retention, TrainingUse Training) ChannelDataPolicy(YamlMappingNode node, string at)
    {
        var retention = UpstreamRetention.Unknown;
        var training = TrainingUse.Unknown;
        foreach (var (k, v) in node.Children)
        {
            string key = Scalar(k, at);
            string path = $"{at}.{key}";
            switch (key)
            {
                case "retention":
                    retention = Channels.ChannelAttributes.ParseRetention(Scalar(v, path))
                        ?? throw Fail(v, path, "expected one of " + Channels.ChannelAttributes.RetentionNames);
                    break;
                case "training":
                    training = Channels.ChannelAttributes.ParseTraining(Scalar(v, path))
                        ?? throw Fail(v, path, "expected one of " + Channels.ChannelAttributes.TrainingNames);
                    break;
                default:
                    throw Fail(k, path, "unknown data policy setting (expected retention, training)");
            }
        }

        return (retention, training);
    }

    private string Region(YamlNode node, string path)
    {
        string region = Scalar(node, path).Trim().ToLowerInvariant();
        return DataPolicyRequirements.IsValidRegion(region) && region != "unknown"
            ? region
            : throw Fail(node, path, "expected a region code such as cn, us or eu (letters, digits and '-')");
    }
}
