using System.Globalization;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Candor.Core.Configuration;

/// <summary>Reads the YAML configuration by walking the node tree, so that every fault is reported with
/// the file, line and column where it is. Secrets are never read from the file: they come from the
/// environment variables the file names.</summary>
public sealed partial class ConfigLoader(IReadOnlySet<string> providers, Func<string, string?> environment)
{
    private string _source = "";
    private string? _baseDirectory;

    /// <summary>Loads and validates a configuration file.</summary>
    /// <exception cref="ConfigException">The file is missing, malformed or invalid; the message names the place.</exception>
    public CandorConfig LoadFile(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ConfigException($"{path}: cannot read the configuration file: {e.Message}");
        }

        _baseDirectory = Path.GetDirectoryName(Path.GetFullPath(path));
        try
        {
            return Load(text, path);
        }
        finally
        {
            _baseDirectory = null;
        }
    }

    /// <summary>Loads and validates configuration text; <paramref name="source"/> names it in messages.</summary>
    public CandorConfig Load(string text, string source)
    {
        _source = source;
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(text));
        }
        catch (YamlException e)
        {
            throw new ConfigException($"{source}:{e.Start.Line}:{e.Start.Column}: invalid YAML: {e.Message}");
        }

        var config = new CandorConfig();
        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is YamlScalarNode { Value: null or "" })
        {
            throw new ConfigException($"{source}: the configuration is empty; it needs at least 'channels' and 'models'.");
        }

        var root = Map(stream.Documents[0].RootNode, "(root)");
        YamlMappingNode? auditNode = null;
        foreach (var (keyNode, value) in root.Children)
        {
            string key = ((YamlScalarNode)keyNode).Value ?? "";
            switch (key)
            {
                case "server":
                    ReadServer(Map(value, "server"), config);
                    break;
                case "channels":
                    ReadChannels(Seq(value, "channels"), config);
                    break;
                case "models":
                    ReadModels(Seq(value, "models"), config);
                    break;
                case "keys":
                    ReadKeys(Seq(value, "keys"), config);
                    break;
                case "operator":
                    ReadOperator(Map(value, "operator"), config.Operator);
                    break;
                case "routing":
                    ReadRouting(Map(value, "routing"), config.Routing);
                    break;
                case "privacy":
                    ReadPrivacy(Map(value, "privacy"), config);
                    break;
                case "audit":
                    auditNode = Map(value, "audit");
                    break;
                default:
                    throw Fail(keyNode, key, "unknown section (expected server, channels, models, keys, operator, routing, privacy, audit)");
            }
        }

        Validate(root, config);
        if (auditNode is not null)
        {
            config.Audit = ReadAudit(auditNode, config);
        }

        return config;
    }

    private void ReadServer(YamlMappingNode node, CandorConfig config)
    {
        foreach (var (k, v) in node.Children)
        {
            string key = Scalar(k, "server");
            string path = "server." + key;
            switch (key)
            {
                case "max_request_bytes":
                    config.MaxRequestBytes = Long(v, path, min: 1024);
                    break;
                case "max_upstream_response_bytes":
                    config.MaxUpstreamResponseBytes = Long(v, path, min: 1024);
                    break;
                case "fast_path":
                    config.FastPath = Bool(v, path);
                    break;
                case "max_attempts":
                    config.MaxAttempts = (int)Long(v, path, min: 1, max: 10);
                    break;
                case "data_dir":
                    config.DataDirectory = FilePath(v, path);
                    break;
                case "prices":
                    int i = 0;
                    foreach (var file in Seq(v, path).Children)
                    {
                        config.PriceFiles.Add(FilePath(file, $"{path}[{i++}]"));
                    }

                    break;
                case "default_max_output_tokens":
                    config.DefaultMaxOutputTokens = (int)Long(v, path, min: 1, max: 10_000_000);
                    break;
                case "max_choices":
                    config.MaxChoices = (int)Long(v, path, min: 1, max: 128);
                    break;
                case "log_origin":
                    config.LogOrigin = Scalar(v, path).Trim() is { Length: > 0 } origin && !origin.Any(static c => char.IsWhiteSpace(c) || c == '+')
                        ? origin
                        : throw Fail(v, path, "expected a non-empty origin without spaces or '+', such as candor.example/log");
                    break;
                case "log_max_merge_delay":
                    config.LogMaxMergeDelay = Duration(v, path);
                    break;
                case "tls":
                    ReadTls(Map(v, path), path, config);
                    break;
                case "trusted_proxies":
                    ReadTrustedProxies(v, path, config);
                    break;
                case "forwarded_header":
                    config.ForwardedHeader = ReadForwardedHeader(v, path);
                    break;
                case var admission when IsAdmissionSetting(admission):
                    ReadAdmission(admission, v, path, config.Admission);
                    break;
                default:
                    throw Fail(k, path, "unknown setting");
            }
        }
    }

    private void ReadOperator(YamlMappingNode node, OperatorInfo info)
    {
        foreach (var (k, v) in node.Children)
        {
            string key = Scalar(k, "operator");
            string path = "operator." + key;
            switch (key)
            {
                case "name": info.Name = Scalar(v, path); break;
                case "contact": info.Contact = Scalar(v, path); break;
                case "url": info.Url = Scalar(v, path); break;
                case "domain":
                    string domain = Scalar(v, path);
                    if (domain.Length == 0 || domain.AsSpan().IndexOfAny([' ', '+', '\t']) >= 0)
                    {
                        throw Fail(v, path, "must be a name without spaces or '+' (it names the receipt key)");
                    }

                    info.Domain = domain;
                    break;
                case "registrations":
                    int i = 0;
                    foreach (var item in Seq(v, path).Children)
                    {
                        string at = $"{path}[{i++}]";
                        string? authority = null, number = null;
                        foreach (var (rk, rv) in Map(item, at).Children)
                        {
                            switch (Scalar(rk, at))
                            {
                                case "authority": authority = Scalar(rv, $"{at}.authority"); break;
                                case "number": number = Scalar(rv, $"{at}.number"); break;
                                default: throw Fail(rk, at, "unknown registration field (expected authority, number)");
                            }
                        }

                        if (authority is null || number is null)
                        {
                            throw Fail(item, at, "a registration needs 'authority' and 'number'");
                        }

                        info.Registrations.Add(new(authority, number));
                    }

                    break;
                default:
                    throw Fail(k, path, "unknown operator setting (expected name, domain, contact, url, registrations)");
            }
        }
    }

    private void ReadChannels(YamlSequenceNode node, CandorConfig config)
    {
        int i = 0;
        foreach (var item in node.Children)
        {
            string at = $"channels[{i++}]";
            var map = Map(item, at);
            string? id = null, provider = null, apiKeyEnv = null, apiVersion = null, region = null, registration = null;
            var retention = Privacy.UpstreamRetention.Unknown;
            var training = Privacy.TrainingUse.Unknown;
            Uri? baseUrl = null;
            var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            TimeSpan connect = TimeSpan.FromSeconds(10), firstByte = TimeSpan.FromSeconds(120), idle = TimeSpan.FromSeconds(120);
            YamlNode? providerNode = null, keyNode = null;
            foreach (var (k, v) in map.Children)
            {
                string key = Scalar(k, at);
                string path = $"{at}.{key}";
                switch (key)
                {
                    case "id":
                        id = Scalar(v, path);
                        break;
                    case "provider":
                        provider = Scalar(v, path).ToLowerInvariant();
                        providerNode = v;
                        break;
                    case "base_url":
                        string url = Scalar(v, path).TrimEnd('/');
                        if (!Uri.TryCreate(url, UriKind.Absolute, out baseUrl) || (baseUrl.Scheme != Uri.UriSchemeHttp && baseUrl.Scheme != Uri.UriSchemeHttps))
                        {
                            throw Fail(v, path, "must be an absolute http(s) URL");
                        }

                        break;
                    case "api_key_env":
                        apiKeyEnv = Scalar(v, path);
                        keyNode = v;
                        break;
                    case "api_key":
                        throw Fail(k, path, "secrets are not written in the file; name an environment variable with api_key_env");
                    case "api_version":
                        apiVersion = Scalar(v, path);
                        break;
                    case "region":
                        region = Region(v, path);
                        break;
                    case "data_policy":
                        (retention, training) = ChannelDataPolicy(Map(v, path), path);
                        break;
                    case "registration":
                        registration = Scalar(v, path);
                        break;
                    case "headers":
                        foreach (var (hk, hv) in Map(v, path).Children)
                        {
                            headers[Scalar(hk, path)] = HeaderValue(hv, $"{path}.{Scalar(hk, path)}");
                        }

                        break;
                    case "timeouts":
                        foreach (var (tk, tv) in Map(v, path).Children)
                        {
                            string tkey = Scalar(tk, path);
                            var value = Duration(tv, $"{path}.{tkey}");
                            switch (tkey)
                            {
                                case "connect": connect = value; break;
                                case "first_byte": firstByte = value; break;
                                case "idle": idle = value; break;
                                default: throw Fail(tk, $"{path}.{tkey}", "unknown timeout (expected connect, first_byte, idle)");
                            }
                        }

                        break;
                    default:
                        throw Fail(k, path, "unknown channel setting");
                }
            }

            if (id is null)
            {
                throw Fail(item, at, "missing 'id'");
            }

            if (provider is null)
            {
                throw Fail(item, at, "missing 'provider'");
            }

            if (!providers.Contains(provider))
            {
                throw Fail(providerNode!, $"{at}.provider", $"unknown provider '{provider}' (known: {string.Join(", ", providers.Order(StringComparer.Ordinal))})");
            }

            if (baseUrl is null)
            {
                throw Fail(item, at, "missing 'base_url'");
            }

            string? apiKey = null;
            if (apiKeyEnv is not null)
            {
                apiKey = environment(apiKeyEnv);
                if (string.IsNullOrEmpty(apiKey))
                {
                    throw Fail(keyNode!, $"{at}.api_key_env", $"environment variable '{apiKeyEnv}' is not set");
                }
            }

            if (config.Channels.Any(c => c.Id == id))
            {
                throw Fail(item, at, $"duplicate channel id '{id}'");
            }

            config.Channels.Add(new ChannelSettings
            {
                Id = id,
                Provider = provider,
                BaseUrl = baseUrl,
                ApiKey = apiKey,
                ApiVersion = apiVersion,
                Region = region ?? "unknown",
                Registration = registration,
                DataPolicy = new Privacy.ChannelDataPolicy(region ?? "unknown", retention, training),
                Headers = headers,
                ConnectTimeout = connect,
                FirstByteTimeout = firstByte,
                IdleTimeout = idle,
            });
        }
    }

    private void ReadModels(YamlSequenceNode node, CandorConfig config)
    {
        int i = 0;
        foreach (var item in node.Children)
        {
            string at = $"models[{i++}]";
            var map = Map(item, at);
            string? name = null;
            var strategy = RoutingStrategy.Priority;
            IReadOnlyList<AffinitySource>? affinity = null;
            AllUnhealthyPolicy? allUnhealthy = null;
            var deployments = new List<(Deployment D, YamlNode Node, string Path)>();
            foreach (var (k, v) in map.Children)
            {
                string key = Scalar(k, at);
                string path = $"{at}.{key}";
                switch (key)
                {
                    case "name":
                        name = Scalar(v, path);
                        break;
                    case "strategy":
                        strategy = Scalar(v, path) switch
                        {
                            "priority" => RoutingStrategy.Priority,
                            "least_latency" => RoutingStrategy.LeastLatency,
                            "least_busy" => RoutingStrategy.LeastBusy,
                            "sticky" => RoutingStrategy.Sticky,
                            _ => throw Fail(v, path, "unknown strategy (expected priority, least_latency, least_busy, sticky)"),
                        };
                        break;
                    case "affinity":
                        affinity = ReadAffinity(v, path);
                        break;
                    case "all_unhealthy":
                        allUnhealthy = AllUnhealthy(v, path);
                        break;
                    case "deployments":
                        int j = 0;
                        foreach (var d in Seq(v, path).Children)
                        {
                            string dat = $"{path}[{j++}]";
                            deployments.Add(ReadDeployment(d, dat));
                        }

                        break;
                    default:
                        throw Fail(k, path, "unknown model setting (expected name, strategy, affinity, all_unhealthy, deployments)");
                }
            }

            if (name is null)
            {
                throw Fail(item, at, "missing 'name'");
            }

            if (deployments.Count == 0)
            {
                throw Fail(item, at, "a model needs at least one deployment");
            }

            // Channels may be declared after models: references are checked in Validate.
            foreach (var (d, dn, dpath) in deployments)
            {
                _pendingChannelRefs.Add((d.ChannelId, dn, dpath));
            }

            for (int a = 0; a < deployments.Count; a++)
            {
                for (int b = 0; b < a; b++)
                {
                    if (deployments[a].D.ChannelId == deployments[b].D.ChannelId && deployments[a].D.UpstreamModel == deployments[b].D.UpstreamModel)
                    {
                        throw Fail(deployments[a].Node, deployments[a].Path, $"duplicate deployment (channel '{deployments[a].D.ChannelId}', model '{deployments[a].D.UpstreamModel}')");
                    }
                }
            }

            if (config.Models.Any(m => m.Name == name))
            {
                throw Fail(item, at, $"duplicate model name '{name}'");
            }

            config.Models.Add(new ModelRoute
            {
                Name = name,
                Deployments = deployments.Select(static x => x.D).ToArray(),
                Strategy = strategy,
                Affinity = affinity ?? [AffinitySource.Header, AffinitySource.User, AffinitySource.Conversation],
                AllUnhealthy = allUnhealthy,
            });
        }
    }

    private (Deployment D, YamlNode Node, string Path) ReadDeployment(YamlNode d, string dat)
    {
        string? channel = null, model = null, served = null;
        int priority = 0, weight = 1;
        var limits = DeploymentLimits.None;
        YamlNode? channelNode = null;
        foreach (var (dk, dv) in Map(d, dat).Children)
        {
            string dkey = Scalar(dk, dat);
            string dpath = $"{dat}.{dkey}";
            switch (dkey)
            {
                case "channel": channel = Scalar(dv, dpath); channelNode = dv; break;
                case "model": model = Scalar(dv, dpath); break;
                case "served_model": served = Scalar(dv, dpath); break;
                case "priority": priority = (int)Long(dv, dpath, min: 0, max: 1000); break;
                case "weight": weight = (int)Long(dv, dpath, min: 1, max: 1_000_000); break;
                case "limits":
                    foreach (var (lk, lv) in Map(dv, dpath).Children)
                    {
                        string lkey = Scalar(lk, dpath);
                        string lpath = $"{dpath}.{lkey}";
                        limits = lkey switch
                        {
                            "max_concurrency" => limits with { MaxConcurrency = (int)Long(lv, lpath, min: 1, max: 1_000_000) },
                            "rpm" => limits with { RequestsPerMinute = (int)Long(lv, lpath, min: 1, max: 100_000_000) },
                            "tpm" => limits with { TokensPerMinute = Long(lv, lpath, min: 1) },
                            _ => throw Fail(lk, lpath, "unknown limit (expected max_concurrency, rpm, tpm)"),
                        };
                    }

                    break;
                default: throw Fail(dk, dpath, "unknown deployment setting (expected channel, model, served_model, priority, weight, limits)");
            }
        }

        if (channel is null || model is null)
        {
            throw Fail(d, dat, "a deployment needs 'channel' and 'model'");
        }

        return (new Deployment { ChannelId = channel, UpstreamModel = model, ServedModel = served, Priority = priority, Weight = weight, Limits = limits }, channelNode!, $"{dat}.channel");
    }

    private List<AffinitySource> ReadAffinity(YamlNode node, string path)
    {
        var sources = new List<AffinitySource>();
        IEnumerable<YamlNode> items = node is YamlSequenceNode seq ? seq.Children : [node];
        foreach (var item in items)
        {
            var source = Scalar(item, path) switch
            {
                "header" => AffinitySource.Header,
                "user" => AffinitySource.User,
                "conversation" => AffinitySource.Conversation,
                _ => throw Fail(item, path, "unknown affinity source (expected header, user, conversation)"),
            };
            if (!sources.Contains(source))
            {
                sources.Add(source);
            }
        }

        if (sources.Count == 0)
        {
            throw Fail(node, path, "name at least one affinity source (header, user, conversation)");
        }

        return sources;
    }

    private AllUnhealthyPolicy AllUnhealthy(YamlNode node, string path) => Scalar(node, path) switch
    {
        "fail_fast" => AllUnhealthyPolicy.FailFast,
        "try_anyway" => AllUnhealthyPolicy.TryAnyway,
        _ => throw Fail(node, path, "expected fail_fast or try_anyway"),
    };

    private void ReadRouting(YamlMappingNode node, RoutingOptions routing)
    {
        foreach (var (k, v) in node.Children)
        {
            string key = Scalar(k, "routing");
            string path = "routing." + key;
            switch (key)
            {
                case "deadline":
                    routing.Deadline = Duration(v, path);
                    break;
                case "all_unhealthy":
                    routing.AllUnhealthy = AllUnhealthy(v, path);
                    break;
                case "health":
                    foreach (var (hk, hv) in Map(v, path).Children)
                    {
                        string hkey = Scalar(hk, path);
                        string hpath = $"{path}.{hkey}";
                        var health = routing.Health;
                        switch (hkey)
                        {
                            case "window": health.Window = Duration(hv, hpath); break;
                            case "min_requests": health.MinRequests = (int)Long(hv, hpath, min: 1, max: 1_000_000); break;
                            case "failure_rate": health.FailureRate = Fraction(hv, hpath); break;
                            case "cooldown": health.Cooldown = Duration(hv, hpath); break;
                            case "max_cooldown": health.MaxCooldown = Duration(hv, hpath); break;
                            case "half_open_trials": health.HalfOpenTrials = (int)Long(hv, hpath, min: 1, max: 1000); break;
                            default: throw Fail(hk, hpath, "unknown health setting (expected window, min_requests, failure_rate, cooldown, max_cooldown, half_open_trials)");
                        }
                    }

                    if (routing.Health.MaxCooldown < routing.Health.Cooldown)
                    {
                        throw Fail(v, path + ".max_cooldown", "must not be shorter than cooldown");
                    }

                    break;
                case "probes":
                    foreach (var (pk, pv) in Map(v, path).Children)
                    {
                        string pkey = Scalar(pk, path);
                        string ppath = $"{path}.{pkey}";
                        switch (pkey)
                        {
                            case "enabled": routing.Probes.Enabled = Bool(pv, ppath); break;
                            case "interval": routing.Probes.Interval = Duration(pv, ppath); break;
                            case "timeout": routing.Probes.Timeout = Duration(pv, ppath); break;
                            default: throw Fail(pk, ppath, "unknown probe setting (expected enabled, interval, timeout)");
                        }
                    }

                    break;
                default:
                    throw Fail(k, path, "unknown routing setting (expected deadline, all_unhealthy, health, probes)");
            }
        }
    }

    private double Fraction(YamlNode node, string path)
    {
        string s = Scalar(node, path);
        if (!double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) || v <= 0 || v > 1)
        {
            throw Fail(node, path, "expected a number greater than 0 and at most 1 (for example 0.5)");
        }

        return v;
    }

    private readonly List<(string Channel, YamlNode Node, string At)> _pendingChannelRefs = [];

    private void ReadKeys(YamlSequenceNode node, CandorConfig config)
    {
        int i = 0;
        foreach (var item in node.Children)
        {
            string at = $"keys[{i++}]";
            string? name = null, env = null;
            YamlNode? envNode = null;
            Privacy.DataPolicyRequirement? routing = null;
            Candor.Core.Privacy.RedactionPolicy? redaction = null;
            foreach (var (k, v) in Map(item, at).Children)
            {
                string key = Scalar(k, at);
                switch (key)
                {
                    case "name": name = Scalar(v, $"{at}.name"); break;
                    case "key_env": env = Scalar(v, $"{at}.key_env"); envNode = v; break;
                    case "privacy": (routing, redaction) = KeyPrivacy(Map(v, $"{at}.privacy"), $"{at}.privacy"); break;
                    case "key": throw Fail(k, $"{at}.key", "keys are not written in the file; name an environment variable with key_env");
                    default: throw Fail(k, $"{at}.{key}", "unknown key setting (expected name, key_env, privacy)");
                }
            }

            if (name is null || env is null)
            {
                throw Fail(item, at, "a key needs 'name' and 'key_env'");
            }

            string? value = environment(env);
            if (string.IsNullOrEmpty(value))
            {
                throw Fail(envNode!, $"{at}.key_env", $"environment variable '{env}' is not set");
            }

            if (value.Length < 16)
            {
                throw Fail(envNode!, $"{at}.key_env", "the key must be at least 16 characters long");
            }

            config.Keys.Add(new ClientKey { Name = name, Value = value, Routing = routing, Redaction = redaction });
        }
    }

    private Audit.AuditSettings ReadAudit(YamlMappingNode node, CandorConfig config)
    {
        bool enabled = false;
        TimeSpan interval = TimeSpan.FromHours(1);
        int concurrency = 2, repeats = 5, permutations = 999;
        double alpha = 0.01, temperature = 1.0;
        var targets = new List<Audit.AuditTarget>();
        foreach (var (k, v) in node.Children)
        {
            string key = Scalar(k, "audit");
            string path = "audit." + key;
            switch (key)
            {
                case "enabled": enabled = Bool(v, path); break;
                case "interval": interval = Duration(v, path); break;
                case "concurrency": concurrency = (int)Long(v, path, min: 1, max: 64); break;
                case "repeats": repeats = (int)Long(v, path, min: 2, max: 100); break;
                case "permutations": permutations = (int)Long(v, path, min: 99, max: 100_000); break;
                case "alpha": alpha = Number(v, path, 1e-9, 0.5); break;
                case "temperature": temperature = Number(v, path, 0.01, 2.0); break;
                case "targets":
                    int i = 0;
                    foreach (var item in Seq(v, path).Children)
                    {
                        targets.Add(ReadAuditTarget(Map(item, $"{path}[{i}]"), $"{path}[{i}]", config));
                        i++;
                    }

                    break;
                default:
                    throw Fail(k, path, "unknown setting");
            }
        }

        if (enabled && targets.Count == 0)
        {
            throw Fail(node, "audit.targets", "audits are enabled but no targets are declared");
        }

        if (alpha / 3 * (permutations + 1) < 1)
        {
            throw Fail(node, "audit.permutations", $"too few permutations to reach alpha/3 = {alpha / 3:G3}; use at least {(int)Math.Ceiling(3 / alpha)}");
        }

        return new Audit.AuditSettings
        {
            Enabled = enabled, Interval = interval, Concurrency = concurrency, Repeats = repeats, Permutations = permutations,
            Alpha = alpha, Temperature = temperature, Targets = targets,
        };
    }

    private Audit.AuditTarget ReadAuditTarget(YamlMappingNode map, string at, CandorConfig config)
    {
        string? channel = null, model = null, reference = null, referenceModel = null;
        int? repeats = null;
        foreach (var (k, v) in map.Children)
        {
            string key = Scalar(k, at);
            switch (key)
            {
                case "channel": channel = Scalar(v, $"{at}.channel"); break;
                case "model": model = Scalar(v, $"{at}.model"); break;
                case "reference_channel": reference = Scalar(v, $"{at}.reference_channel"); break;
                case "reference_model": referenceModel = Scalar(v, $"{at}.reference_model"); break;
                case "repeats": repeats = (int)Long(v, $"{at}.repeats", min: 2, max: 100); break;
                default: throw Fail(k, $"{at}.{key}", "unknown setting (expected channel, model, reference_channel, reference_model, repeats)");
            }
        }

        if (channel is null || model is null || reference is null)
        {
            throw Fail(map, at, "an audit target needs channel, model and reference_channel");
        }

        foreach (var id in new[] { channel, reference })
        {
            if (!config.Channels.Any(c => c.Id == id))
            {
                throw Fail(map, at, $"names unknown channel '{id}'");
            }
        }

        if (channel == reference)
        {
            throw Fail(map, at, "the reference channel must be another (trusted) channel");
        }

        return new Audit.AuditTarget { ChannelId = channel, Model = model, ReferenceChannelId = reference, ReferenceModel = referenceModel ?? model, Repeats = repeats };
    }

    private double Number(YamlNode node, string path, double min, double max)
    {
        string s = Scalar(node, path);
        if (!double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) || v < min || v > max)
        {
            throw Fail(node, path, $"expected a number between {min} and {max}");
        }

        return v;
    }

    private void Validate(YamlMappingNode root, CandorConfig config)
    {
        foreach (var (channel, node, at) in _pendingChannelRefs)
        {
            if (!config.Channels.Any(c => c.Id == channel))
            {
                throw Fail(node, at, $"deployment names unknown channel '{channel}'");
            }
        }

        if (config.Models.Count == 0)
        {
            throw Fail(root, "models", "no models are declared");
        }

        if (config.Keys.Count == 0 && config.DataDirectory is null && string.IsNullOrEmpty(environment("CANDOR_DATA")))
        {
            throw Fail(root, "keys", "no client keys are declared; every request must present a key (declare one with name and key_env, or set server.data_dir for stored keys)");
        }

        ValidateAdmission(root, config);
    }

    private YamlMappingNode Map(YamlNode node, string path) =>
        node as YamlMappingNode ?? throw Fail(node, path, "expected a mapping");

    private YamlSequenceNode Seq(YamlNode node, string path) =>
        node as YamlSequenceNode ?? throw Fail(node, path, "expected a list");

    private string Scalar(YamlNode node, string path) =>
        node is YamlScalarNode { Value: { } v } ? v : throw Fail(node, path, "expected a value");

    /// <summary>A path setting; a relative path is taken relative to the configuration file's directory.</summary>
    private string FilePath(YamlNode node, string path)
    {
        string value = Scalar(node, path).Trim();
        if (value.Length == 0)
        {
            throw Fail(node, path, "expected a path");
        }

        return _baseDirectory is null || Path.IsPathRooted(value) ? value : Path.GetFullPath(Path.Combine(_baseDirectory, value));
    }

    private long Long(YamlNode node, string path, long min = long.MinValue, long max = long.MaxValue)
    {
        string s = Scalar(node, path);
        if (!long.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out long v) || v < min || v > max)
        {
            throw Fail(node, path, $"expected an integer between {min} and {max}");
        }

        return v;
    }

    private bool Bool(YamlNode node, string path) => Scalar(node, path) switch
    {
        "true" or "yes" or "on" => true,
        "false" or "no" or "off" => false,
        _ => throw Fail(node, path, "expected true or false"),
    };

    private TimeSpan Duration(YamlNode node, string path)
    {
        string s = Scalar(node, path).Trim();
        (string num, double scale) = s switch
        {
            _ when s.EndsWith("ms", StringComparison.Ordinal) => (s[..^2], 0.001),
            _ when s.EndsWith('s') => (s[..^1], 1.0),
            _ when s.EndsWith('m') => (s[..^1], 60.0),
            _ when s.EndsWith('h') => (s[..^1], 3600.0),
            _ => (s, 1.0),
        };
        if (!double.TryParse(num, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) || v <= 0)
        {
            throw Fail(node, path, "expected a positive duration such as 500ms, 10s, 2m or 1h");
        }

        return TimeSpan.FromSeconds(v * scale);
    }

    private ConfigException Fail(YamlNode node, string path, string message) =>
        new($"{_source}:{node.Start.Line}:{node.Start.Column}: {path}: {message}");
}
