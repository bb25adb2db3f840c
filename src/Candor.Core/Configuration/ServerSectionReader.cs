using System.Net;
using YamlDotNet.RepresentationModel;

namespace Candor.Core.Configuration;

/// <summary>The <c>server</c> section: limits, data directory, prices, the transparency log's origin, TLS, trusted
/// proxies (docs/operations.md) and admission control (docs/admission-control.md).</summary>
internal sealed class ServerSectionReader(ConfigReader yaml)
{
    public CandorConfig Read(YamlNode node, CandorConfig config)
    {
        yaml.Each(node, "server", (key, k, v, path) => config = key switch
        {
            "max_request_bytes" => config with { MaxRequestBytes = yaml.Long(v, path, min: 1024) },
            "max_upstream_response_bytes" => config with { MaxUpstreamResponseBytes = yaml.Long(v, path, min: 1024) },
            "fast_path" => config with { FastPath = yaml.Bool(v, path) },
            "max_attempts" => config with { MaxAttempts = yaml.Int(v, path, min: 1, max: 10) },
            "data_dir" => config with { DataDirectory = yaml.FilePath(v, path) },
            "prices" => config with { PriceFiles = PriceFiles(v, path) },
            "default_max_output_tokens" => config with { DefaultMaxOutputTokens = yaml.Int(v, path, min: 1, max: 10_000_000) },
            "max_choices" => config with { MaxChoices = yaml.Int(v, path, min: 1, max: 128) },
            "log_origin" => config with { LogOrigin = LogOrigin(v, path) },
            "log_max_merge_delay" => config with { LogMaxMergeDelay = yaml.Duration(v, path) },
            "log_witnesses" => config with { LogWitnesses = LogWitnesses(v, path) },
            "tls" => Tls(v, path, config),
            "trusted_proxies" => config with { TrustedProxies = TrustedProxies(v, path) },
            "forwarded_header" => config with { ForwardedHeader = ForwardedHeader(v, path) },
            _ when IsAdmissionSetting(key) => config with { Admission = Admission(key, v, path, config.Admission) },
            _ => throw yaml.Fail(k, path, "unknown setting"),
        });
        return config;
    }

    private IReadOnlyList<string> PriceFiles(YamlNode node, string path)
    {
        var files = new List<string>();
        yaml.Items(node, path, (file, at) => files.Add(yaml.FilePath(file, at)));
        return [.. files];
    }

    private string LogOrigin(YamlNode node, string path) =>
        yaml.Scalar(node, path).Trim() is { Length: > 0 } origin && !origin.Any(static c => char.IsWhiteSpace(c) || c == '+')
            ? origin
            : throw yaml.Fail(node, path, "expected a non-empty origin without spaces or '+', such as candor.example/log");

    /// <summary><c>server.log_witnesses</c>: each <c>{ url, key }</c>, the witness's submission prefix and its
    /// cosignature verifier key (checked when the log opens).</summary>
    private IReadOnlyList<LogWitness> LogWitnesses(YamlNode node, string path)
    {
        var witnesses = new List<LogWitness>();
        yaml.Items(node, path, (item, at) =>
        {
            string? url = null, key = null;
            yaml.Each(item, at, (name, k, v, p) =>
            {
                switch (name)
                {
                    case "url": url = yaml.Scalar(v, p).Trim(); break;
                    case "key": key = yaml.Scalar(v, p).Trim(); break;
                    default: throw yaml.Fail(k, p, "unknown witness setting (expected url, key)");
                }
            });
            if (url is null || key is null || !Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp))
            {
                throw yaml.Fail(item, at, "a witness is { url: https://…, key: <name>+<id>+<base64> }");
            }

            witnesses.Add(new LogWitness(uri, key));
        });
        return [.. witnesses];
    }

    /// <summary><c>server.tls</c>: <c>certificate_file</c> (PEM, leaf first) and <c>key_file</c> (PEM private key).</summary>
    private CandorConfig Tls(YamlNode node, string path, CandorConfig config)
    {
        string? certificate = null, key = null;
        yaml.Each(node, path, (name, k, v, at) =>
        {
            switch (name)
            {
                case "certificate_file": certificate = yaml.FilePath(v, at); break;
                case "key_file": key = yaml.FilePath(v, at); break;
                default: throw yaml.Fail(k, at, "unknown TLS setting (expected certificate_file, key_file)");
            }
        });
        if ((certificate is null) != (key is null))
        {
            throw yaml.Fail(node, path, "give both certificate_file and key_file");
        }

        return config with { TlsCertificateFile = certificate, TlsKeyFile = key };
    }

    /// <summary><c>server.trusted_proxies</c>: the CIDR ranges whose forwarding headers are believed (also
    /// <c>telemetry.metrics_allow</c>).</summary>
    internal IReadOnlyList<IPNetwork> TrustedProxies(YamlNode node, string path)
    {
        var networks = new List<IPNetwork>();
        yaml.Items(node, path, (item, at) =>
        {
            string text = yaml.Scalar(item, at).Trim();
            if (!text.Contains('/', StringComparison.Ordinal))
            {
                text += IPAddress.TryParse(text, out var single) && single.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? "/128" : "/32";
            }

            // IPNetwork.TryParse accepts host bits (10.0.0.1/8); such a range is almost always a typo, so it is refused.
            if (!IPNetwork.TryParse(text, out var network) || !IPAddress.TryParse(text[..text.IndexOf('/', StringComparison.Ordinal)], out var start)
                || !start.Equals(network.BaseAddress))
            {
                throw yaml.Fail(item, at, "expected an address or a CIDR range without host bits, such as 10.0.0.0/8 or 192.0.2.10");
            }

            networks.Add(network);
        });
        return [.. networks];
    }

    /// <summary><c>server.forwarded_header</c>: which header the trusted proxies set.</summary>
    private string ForwardedHeader(YamlNode node, string path) => yaml.Scalar(node, path).Trim().ToLowerInvariant() switch
    {
        "x-forwarded-for" => "x-forwarded-for",
        "forwarded" => "forwarded",
        _ => throw yaml.Fail(node, path, "expected x-forwarded-for or forwarded"),
    };

    /// <summary>The <c>server</c> keys read by <see cref="Admission"/>.</summary>
    private static bool IsAdmissionSetting(string key) => key is "max_in_flight_requests" or "max_open_streams"
        or "max_buffered_request_bytes" or "request_body_timeout" or "max_connections";

    private AdmissionSettings Admission(string key, YamlNode value, string path, AdmissionSettings admission) => key switch
    {
        "max_in_flight_requests" => admission with { MaxInFlightRequests = yaml.Int(value, path, min: 1, max: 1_000_000) },
        "max_open_streams" => admission with { MaxOpenStreams = yaml.Int(value, path, min: 1, max: 1_000_000) },
        "max_buffered_request_bytes" => admission with { MaxBufferedRequestBytes = yaml.Long(value, path, min: 1024) },
        "request_body_timeout" => admission with { RequestBodyTimeout = yaml.Duration(value, path) },
        _ => admission with { MaxConnections = yaml.Long(value, path, min: 1, max: 10_000_000) },
    };

    /// <summary>A body of the largest accepted size must fit in the server-wide budget, or it could never be read.</summary>
    public static void Validate(YamlNode server, CandorConfig config, ConfigErrors errors)
    {
        if (config.Admission.MaxBufferedRequestBytes < config.MaxRequestBytes)
        {
            errors.Report(server, "server.max_buffered_request_bytes",
                $"must be at least server.max_request_bytes ({config.MaxRequestBytes}), or a body of the largest accepted size could never be read");
        }
    }
}
