using Candor.Core.Privacy;
using Candor.Core.Privacy.Redaction;
using YamlDotNet.RepresentationModel;

namespace Candor.Core.Configuration;

/// <summary>The privacy parts of the configuration: the <c>privacy</c> section, a channel's <c>data_policy</c>, and a
/// key's <c>privacy</c>. Every value is checked against a closed list, so a typo stops the start instead of silently
/// weakening a policy.</summary>
internal sealed class PrivacySectionReader(ConfigReader yaml)
{
    public CandorConfig Read(YamlNode node, CandorConfig config)
    {
        var settings = config.Privacy;
        var redaction = config.Redaction;
        yaml.Each(node, "privacy", (key, k, v, path) =>
        {
            switch (key)
            {
                case "retention":
                    settings = settings with
                    {
                        Retention = yaml.Scalar(v, path) switch
                        {
                            "none" => RetentionMode.None,
                            "account_history" => RetentionMode.AccountHistory,
                            _ => throw yaml.Fail(v, path, "unknown retention mode (expected none or account_history); Candor refuses to start rather than guess"),
                        },
                    };
                    break;
                case "routing":
                    settings = settings with { Routing = Requirement(v, path) };
                    break;
                case "redaction":
                    redaction = Redaction(v, path);
                    break;
                case "history":
                    yaml.Each(v, path, (hkey, hk, hv, hpath) => settings = hkey switch
                    {
                        "retention_days" => settings with { HistoryRetentionDays = yaml.Int(hv, hpath, min: 1, max: 3650) },
                        _ => throw yaml.Fail(hk, hpath, "unknown history setting (expected retention_days)"),
                    });
                    break;
                default:
                    throw yaml.Fail(k, path, "unknown privacy setting (expected retention, routing, redaction, history)");
            }
        });
        return config with { Privacy = settings, Redaction = redaction };
    }

    /// <summary>A key's <c>privacy</c>: its own routing requirement and redaction policy, each optional.</summary>
    public (DataPolicyRequirement? Routing, RedactionPolicy? Redaction) KeyPrivacy(YamlNode node, string at)
    {
        DataPolicyRequirement? routing = null;
        RedactionPolicy? redaction = null;
        yaml.Each(node, at, (key, k, v, path) =>
        {
            switch (key)
            {
                case "routing": routing = Requirement(v, path); break;
                case "redaction": redaction = Redaction(v, path); break;
                default: throw yaml.Fail(k, path, "unknown key privacy setting (expected routing, redaction)");
            }
        });
        return (routing, redaction);
    }

    /// <summary>A redaction policy: <c>default: ACTION</c> for types not listed, and <c>TYPE: ACTION</c> per entity type.</summary>
    private RedactionPolicy Redaction(YamlNode node, string at)
    {
        var actions = new Dictionary<string, EntityAction>(StringComparer.Ordinal);
        var fallback = EntityAction.Allow;
        yaml.Each(node, at, (key, k, v, path) =>
        {
            string word = yaml.Scalar(v, path);
            if (!RedactionPolicies.TryParseAction(word, out var action))
            {
                throw yaml.Fail(v, path, $"unknown action '{word}' (expected allow, mask, pseudonymize, block)");
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
                throw yaml.Fail(k, path, $"unknown entity type (expected default or one of {string.Join(", ", EntityNames.All)})");
            }
        });
        return new RedactionPolicy(actions, fallback);
    }

    /// <summary><c>{regions: [cn, …], zero_retention: bool, never_train: bool}</c>; every field optional.</summary>
    private DataPolicyRequirement Requirement(YamlNode node, string at)
    {
        List<string>? regions = null;
        bool zeroRetention = false, neverTrain = false;
        yaml.Each(node, at, (key, k, v, path) =>
        {
            switch (key)
            {
                case "regions":
                    var list = regions = [];
                    yaml.Items(v, path, (r, rpath) => list.Add(yaml.Region(r, rpath)));
                    if (yaml.Seq(v, path).Children.Count == 0)
                    {
                        throw yaml.Fail(v, path, "name at least one region (omit 'regions' to allow any)");
                    }

                    break;
                case "zero_retention":
                    zeroRetention = yaml.Bool(v, path);
                    break;
                case "never_train":
                    neverTrain = yaml.Bool(v, path);
                    break;
                default:
                    throw yaml.Fail(k, path, "unknown routing requirement (expected regions, zero_retention, never_train)");
            }
        });
        return DataPolicyRequirements.Create(regions, zeroRetention, neverTrain);
    }

    /// <summary>A channel's <c>data_policy</c>: <c>{retention, training}</c>, undeclared = unknown.</summary>
    public (UpstreamRetention Retention, TrainingUse Training) ChannelDataPolicy(YamlNode node, string at)
    {
        var retention = UpstreamRetention.Unknown;
        var training = TrainingUse.Unknown;
        yaml.Each(node, at, (key, k, v, path) =>
        {
            switch (key)
            {
                case "retention":
                    retention = Channels.ChannelAttributes.ParseRetention(yaml.Scalar(v, path))
                        ?? throw yaml.Fail(v, path, "expected one of " + Channels.ChannelAttributes.RetentionNames);
                    break;
                case "training":
                    training = Channels.ChannelAttributes.ParseTraining(yaml.Scalar(v, path))
                        ?? throw yaml.Fail(v, path, "expected one of " + Channels.ChannelAttributes.TrainingNames);
                    break;
                default:
                    throw yaml.Fail(k, path, "unknown data policy setting (expected retention, training)");
            }
        });
        return (retention, training);
    }
}
