using System.Net;
using YamlDotNet.RepresentationModel;

namespace Candor.Core.Configuration;

/// <summary>The network parts of the <c>server</c> section (<c>tls</c>, <c>trusted_proxies</c>,
/// <c>forwarded_header</c>) and channel header values, which may name an environment variable instead of holding a
/// secret in the file. See docs/operations.md.</summary>
public sealed partial class ConfigLoader
{
    /// <summary><c>server.tls</c>: <c>certificate_file</c> (PEM, leaf first) and <c>key_file</c> (PEM private key).</summary>
    private void ReadTls(YamlMappingNode node, string path, CandorConfig config)
    {
        foreach (var (k, v) in node.Children)
        {
            string key = Scalar(k, path);
            switch (key)
            {
                case "certificate_file": config.TlsCertificateFile = FilePath(v, $"{path}.{key}"); break;
                case "key_file": config.TlsKeyFile = FilePath(v, $"{path}.{key}"); break;
                default: throw Fail(k, $"{path}.{key}", "unknown TLS setting (expected certificate_file, key_file)");
            }
        }

        if ((config.TlsCertificateFile is null) != (config.TlsKeyFile is null))
        {
            throw Fail(node, path, "give both certificate_file and key_file");
        }
    }

    /// <summary><c>server.trusted_proxies</c>: the CIDR ranges whose forwarding headers are believed.</summary>
    private void ReadTrustedProxies(YamlNode node, string path, CandorConfig config)
    {
        int i = 0;
        foreach (var item in Seq(node, path).Children)
        {
            string at = $"{path}[{i++}]";
            string text = Scalar(item, at).Trim();
            if (!text.Contains('/', StringComparison.Ordinal))
            {
                text += IPAddress.TryParse(text, out var single) && single.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? "/128" : "/32";
            }

            // IPNetwork.TryParse accepts host bits (10.0.0.1/8); such a range is almost always a typo, so it is refused.
            if (!IPNetwork.TryParse(text, out var network) || !IPAddress.TryParse(text[..text.IndexOf('/', StringComparison.Ordinal)], out var start)
                || !start.Equals(network.BaseAddress))
            {
                throw Fail(item, at, "expected an address or a CIDR range without host bits, such as 10.0.0.0/8 or 192.0.2.10");
            }

            config.TrustedProxies.Add(network);
        }
    }

    /// <summary><c>server.forwarded_header</c>: which header the trusted proxies set.</summary>
    private string ReadForwardedHeader(YamlNode node, string path) => Scalar(node, path).Trim().ToLowerInvariant() switch
    {
        "x-forwarded-for" => "x-forwarded-for",
        "forwarded" => "forwarded",
        _ => throw Fail(node, path, "expected x-forwarded-for or forwarded"),
    };

    /// <summary>A channel header value: a string, or <c>{env: NAME}</c> to read it from an environment variable, so
    /// that a header carrying a credential (<c>Ocp-Apim-Subscription-Key</c>) is not written in the file.</summary>
    private string HeaderValue(YamlNode node, string path)
    {
        if (node is not YamlMappingNode map)
        {
            return Scalar(node, path);
        }

        if (map.Children.Count != 1 || map.Children.First() is not { Key: YamlScalarNode { Value: "env" }, Value: var variableNode })
        {
            throw Fail(node, path, "expected a string or {env: VARIABLE}");
        }

        string variable = Scalar(variableNode, $"{path}.env");
        return environment(variable) is { Length: > 0 } value && !value.Any(static c => c is '\r' or '\n')
            ? value
            : throw Fail(variableNode, $"{path}.env", $"environment variable '{variable}' is not set (or holds a line break)");
    }
}
