using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Candor.Core.Configuration;

/// <summary>Reads the YAML configuration by walking the node tree, one small reader per section sharing one
/// <see cref="ConfigErrors"/>, so that every fault is reported with the file, line and column where it is, all of
/// them in one <see cref="ConfigException"/>. Secrets are never read from the file: they come from the environment
/// variables the file names. The result is immutable; a reload builds a new one.</summary>
internal sealed class ConfigLoader(IReadOnlySet<string> providers, Func<string, string?> environment)
{
    private const string Sections = "server, channels, models, keys, operator, routing, privacy, audit, telemetry, storage, cluster, metering, payments, registration";

    /// <summary>Loads and validates a configuration file.</summary>
    /// <exception cref="ConfigException">The file is missing, malformed or invalid; the errors name their places.</exception>
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

        return Load(text, path, Path.GetDirectoryName(Path.GetFullPath(path)));
    }

    /// <summary>Loads and validates configuration text; <paramref name="source"/> names it in messages.</summary>
    /// <exception cref="ConfigException">The text is malformed or invalid; the errors name their places.</exception>
    public CandorConfig Load(string text, string source) => Load(text, source, baseDirectory: null);

    private CandorConfig Load(string text, string source, string? baseDirectory)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(text));
        }
        catch (YamlException e)
        {
            throw new ConfigException($"{source}:{e.Start.Line}:{e.Start.Column}: invalid YAML: {e.Message}");
        }

        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is YamlScalarNode { Value: null or "" })
        {
            throw new ConfigException($"{source}: the configuration is empty; it needs at least 'channels' and 'models'.");
        }

        var errors = new ConfigErrors(source);
        var yaml = new ConfigReader(errors, baseDirectory, environment);
        CandorConfig? config = null;
        // The end of the text, where a missing section would be added (the root node's End mark is not set by the parser).
        int lastLine = text.AsSpan().Count('\n') + 1;
        var end = new Mark(text.Length, lastLine, text.Length - text.LastIndexOf('\n'));
        errors.Run(() => config = Read(yaml, stream.Documents[0].RootNode, end));
        errors.ThrowIfAny();
        return config!;
    }

    private CandorConfig Read(ConfigReader yaml, YamlNode root, Mark end)
    {
        var config = new CandorConfig();
        var privacy = new PrivacySectionReader(yaml);
        var channelIds = new HashSet<string>(StringComparer.Ordinal);
        var channelReferences = new List<(string Channel, YamlNode Node, string Path)>();
        int declaredModels = 0, declaredKeys = 0, errors = 0;
        YamlNode? server = null;
        bool serverValid = true;
        YamlMappingNode? audit = null;
        yaml.Each(root, "(root)", (key, k, v, _) =>
        {
            switch (key)
            {
                case "server":
                    errors = yaml.Errors.Count;
                    server = v;
                    config = new ServerSectionReader(yaml).Read(v, config);
                    serverValid = yaml.Errors.Count == errors;
                    break;
                case "channels":
                    config = config with { Channels = new ChannelSectionReader(yaml, privacy, providers).Read(v, channelIds) };
                    break;
                case "models":
                    declaredModels = Declared(v);
                    config = config with { Models = new ModelSectionReader(yaml).Read(v, channelReferences) };
                    break;
                case "keys":
                    declaredKeys = Declared(v);
                    config = config with { Keys = new KeySectionReader(yaml, privacy).Read(v) };
                    break;
                case "operator":
                    config = config with { Operator = new OperatorSectionReader(yaml).Read(v) };
                    break;
                case "routing":
                    config = config with { Routing = new RoutingSectionReader(yaml).Read(v) };
                    break;
                case "privacy":
                    config = privacy.Read(v, config);
                    break;
                case "audit":
                    audit = yaml.Map(v, key);
                    break;
                case "telemetry":
                    config = config with { Telemetry = new TelemetrySectionReader(yaml).Read(v) };
                    break;
                case "storage":
                    config = new StorageSectionReader(yaml).Read(v, config);
                    break;
                case "cluster":
                    config = config with { Cluster = new ClusterSectionReader(yaml).Read(v) };
                    break;
                case "metering":
                    config = config with { Metering = new MeteringSectionReader(yaml).Read(v) };
                    break;
                case "payments":
                    config = config with { Payments = new PaymentSectionReader(yaml).Read(v) };
                    break;
                case "registration":
                    config = config with { Registration = new RegistrationSectionReader(yaml).Read(v) };
                    break;
                default:
                    throw yaml.Fail(k, key, $"unknown section (expected {Sections})");
            }
        });

        foreach (var (channel, node, at) in channelReferences)
        {
            if (!channelIds.Contains(channel))
            {
                yaml.Errors.Report(node, at, $"deployment names unknown channel '{channel}'");
            }
        }

        // A missing section is reported at the end of the text, where it would be added.
        if (declaredModels == 0)
        {
            yaml.Errors.Report(end, "models", "no models are declared");
        }

        if (declaredKeys == 0 && config.DataDirectory is null && string.IsNullOrEmpty(environment("CANDOR_DATA")))
        {
            yaml.Errors.Report(end, "keys", "no client keys are declared; every request must present a key (declare one with name and key_env, or set server.data_dir for stored keys)");
        }

        if (server is not null && serverValid)
        {
            ServerSectionReader.Validate(server, config, yaml.Errors);
        }

        if (audit is not null)
        {
            config = config with { Audit = new AuditSectionReader(yaml).Read(audit, channelIds) };
        }

        return config;
    }

    /// <summary>Items a section lists, counting one for a value that is not a list (its own error says so), so that a
    /// section with faulty items does not also report that it declares none.</summary>
    private static int Declared(YamlNode node) => node is YamlSequenceNode list ? list.Children.Count : 1;
}
