using Candor.Core.Privacy;
using Candor.Core.Privacy.Redaction;
using YamlDotNet.RepresentationModel;

namespace Candor.Core.Configuration;

/// <summary>The <c>privacy</c> section and a key's own <c>privacy</c> settings.</summary>
public sealed partial class ConfigLoader
{
    private void ReadPrivacy(YamlMappingNode node, CandorConfig config)
    {
        foreach (var (k, v) in node.Children)
        {
            string key = Scalar(k, "privacy");
            switch (key)
            {
                case "redaction":
                    config.Redaction = ReadRedaction(Map(v, "privacy.redaction"), "privacy.redaction");
                    break;
                default:
                    throw Fail(k, $"privacy.{key}", "unknown privacy setting (expected redaction)");
            }
        }
    }

    private RedactionPolicy? ReadKeyPrivacy(YamlMappingNode node, string at)
    {
        RedactionPolicy? redaction = null;
        foreach (var (k, v) in node.Children)
        {
            string key = Scalar(k, at);
            switch (key)
            {
                case "redaction":
                    redaction = ReadRedaction(Map(v, $"{at}.redaction"), $"{at}.redaction");
                    break;
                default:
                    throw Fail(k, $"{at}.{key}", "unknown privacy setting (expected redaction)");
            }
        }

        return redaction;
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
}
