using Candor.Core.Privacy;
using YamlDotNet.RepresentationModel;

namespace Candor.Core.Configuration;

/// <summary>The <c>keys</c> section: client keys, named by environment variable (never written in the file), with
/// their own privacy policy.</summary>
internal sealed class KeySectionReader(ConfigReader yaml, PrivacySectionReader privacy)
{
    public IReadOnlyList<ClientKey> Read(YamlNode node)
    {
        var keys = new List<ClientKey>();
        yaml.Items(node, "keys", (item, at) =>
        {
            if (Key(item, at) is { } key)
            {
                keys.Add(key);
            }
        });
        return [.. keys];
    }

    private ClientKey? Key(YamlNode item, string at)
    {
        int errors = yaml.Errors.Count;
        string? name = null, env = null;
        YamlNode? envNode = null;
        DataPolicyRequirement? routing = null;
        RedactionPolicy? redaction = null;
        yaml.Each(item, at, (key, k, v, path) =>
        {
            switch (key)
            {
                case "name": name = yaml.Scalar(v, path); break;
                case "key_env": env = yaml.Scalar(v, path); envNode = v; break;
                case "privacy": (routing, redaction) = privacy.KeyPrivacy(v, path); break;
                case "key": throw yaml.Fail(k, path, "keys are not written in the file; name an environment variable with key_env");
                default: throw yaml.Fail(k, path, "unknown key setting (expected name, key_env, privacy)");
            }
        });
        if (yaml.Errors.Count != errors)
        {
            return null;
        }

        if (name is null || env is null)
        {
            throw yaml.Fail(item, at, "a key needs 'name' and 'key_env'");
        }

        string? value = yaml.Environment(env);
        if (string.IsNullOrEmpty(value))
        {
            throw yaml.Fail(envNode!, $"{at}.key_env", $"environment variable '{env}' is not set");
        }

        if (value.Length < 16)
        {
            throw yaml.Fail(envNode!, $"{at}.key_env", "the key must be at least 16 characters long");
        }

        return new ClientKey { Name = name, Value = value, Routing = routing, Redaction = redaction };
    }
}
