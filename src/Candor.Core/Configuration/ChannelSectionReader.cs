using System.Collections.Frozen;
using Candor.Core.Privacy;
using YamlDotNet.RepresentationModel;

namespace Candor.Core.Configuration;

/// <summary>The <c>channels</c> section: upstream endpoints, their credentials (named by environment variable, never
/// written in the file), headers, timeouts and data policy.</summary>
internal sealed class ChannelSectionReader(ConfigReader yaml, PrivacySectionReader privacy, IReadOnlySet<string> providers)
{
    /// <summary>Reads every channel; <paramref name="ids"/> receives each id the file declares, also of a channel
    /// with a fault, so that references to it do not report a second, misleading error.</summary>
    public IReadOnlyList<ChannelSettings> Read(YamlNode node, HashSet<string> ids)
    {
        var channels = new List<ChannelSettings>();
        yaml.Items(node, "channels", (item, at) =>
        {
            if (Channel(item, at, ids) is { } channel)
            {
                channels.Add(channel);
            }
        });
        return [.. channels];
    }

    private ChannelSettings? Channel(YamlNode item, string at, HashSet<string> ids)
    {
        int errors = yaml.Errors.Count;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        string? id = null, provider = null, apiKeyEnv = null, apiVersion = null, region = null, registration = null;
        var retention = UpstreamRetention.Unknown;
        var training = TrainingUse.Unknown;
        Uri? baseUrl = null;
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        bool? legacyCompletions = null;
        TimeSpan connect = TimeSpan.FromSeconds(10), firstByte = TimeSpan.FromSeconds(120), idle = TimeSpan.FromSeconds(120);
        YamlNode? providerNode = null, keyNode = null;
        yaml.Each(item, at, (key, k, v, path) =>
        {
            seen.Add(key);
            switch (key)
            {
                case "id":
                    id = yaml.Scalar(v, path);
                    if (!ids.Add(id))
                    {
                        throw yaml.Fail(item, at, $"duplicate channel id '{id}'");
                    }

                    break;
                case "provider":
                    provider = yaml.Scalar(v, path).ToLowerInvariant();
                    providerNode = v;
                    break;
                case "base_url":
                    string url = yaml.Scalar(v, path).TrimEnd('/');
                    if (!Uri.TryCreate(url, UriKind.Absolute, out baseUrl) || (baseUrl.Scheme != Uri.UriSchemeHttp && baseUrl.Scheme != Uri.UriSchemeHttps))
                    {
                        throw yaml.Fail(v, path, "must be an absolute http(s) URL");
                    }

                    break;
                case "api_key_env":
                    apiKeyEnv = yaml.Scalar(v, path);
                    keyNode = v;
                    break;
                case "api_key":
                    throw yaml.Fail(k, path, "secrets are not written in the file; name an environment variable with api_key_env");
                case "api_version":
                    apiVersion = yaml.Scalar(v, path);
                    break;
                case "region":
                    region = yaml.Region(v, path);
                    break;
                case "data_policy":
                    (retention, training) = privacy.ChannelDataPolicy(v, path);
                    break;
                case "registration":
                    registration = yaml.Scalar(v, path);
                    break;
                case "legacy_completions":
                    legacyCompletions = yaml.Bool(v, path);
                    break;
                case "headers":
                    yaml.Each(v, path, (name, _, hv, hpath) => headers[name] = HeaderValue(hv, hpath));
                    break;
                case "timeouts":
                    yaml.Each(v, path, (name, tk, tv, tpath) =>
                    {
                        switch (name)
                        {
                            case "connect": connect = yaml.Duration(tv, tpath); break;
                            case "first_byte": firstByte = yaml.Duration(tv, tpath); break;
                            case "idle": idle = yaml.Duration(tv, tpath); break;
                            default: throw yaml.Fail(tk, tpath, "unknown timeout (expected connect, first_byte, idle)");
                        }
                    });
                    break;
                default:
                    throw yaml.Fail(k, path, "unknown channel setting");
            }
        });

        foreach (string required in (ReadOnlySpan<string>)["id", "provider", "base_url"])
        {
            if (!seen.Contains(required))
            {
                yaml.Errors.Report(item, at, $"missing '{required}'");
            }
        }

        if (provider is not null && !providers.Contains(provider))
        {
            yaml.Errors.Report(providerNode!, $"{at}.provider", $"unknown provider '{provider}' (known: {string.Join(", ", providers.Order(StringComparer.Ordinal))})");
        }

        string? apiKey = null;
        if (apiKeyEnv is not null)
        {
            apiKey = yaml.Environment(apiKeyEnv);
            if (string.IsNullOrEmpty(apiKey))
            {
                yaml.Errors.Report(keyNode!, $"{at}.api_key_env", $"environment variable '{apiKeyEnv}' is not set");
            }
        }

        if (yaml.Errors.Count != errors)
        {
            return null;
        }

        return new ChannelSettings
        {
            Id = id!,
            Provider = provider!,
            BaseUrl = baseUrl!,
            ApiKey = apiKey,
            ApiVersion = apiVersion,
            LegacyCompletions = legacyCompletions,
            Region = region ?? "unknown",
            Registration = registration,
            DataPolicy = new ChannelDataPolicy(region ?? "unknown", retention, training),
            Headers = headers.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase),
            ConnectTimeout = connect,
            FirstByteTimeout = firstByte,
            IdleTimeout = idle,
        };
    }

    /// <summary>A channel header value: a string, or <c>{env: NAME}</c> to read it from an environment variable, so
    /// that a header carrying a credential (<c>Ocp-Apim-Subscription-Key</c>) is not written in the file.</summary>
    private string HeaderValue(YamlNode node, string path)
    {
        if (node is not YamlMappingNode map)
        {
            return yaml.Scalar(node, path);
        }

        if (map.Children.Count != 1 || map.Children.First() is not { Key: YamlScalarNode { Value: "env" }, Value: var variableNode })
        {
            throw yaml.Fail(node, path, "expected a string or {env: VARIABLE}");
        }

        string variable = yaml.Scalar(variableNode, $"{path}.env");
        return yaml.Environment(variable) is { Length: > 0 } value && !value.Any(static c => c is '\r' or '\n')
            ? value
            : throw yaml.Fail(variableNode, $"{path}.env", $"environment variable '{variable}' is not set (or holds a line break)");
    }
}
