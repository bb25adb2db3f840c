using Candor.Core.Configuration;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Candor.Core.Accounting;

/// <summary>Reads price files (YAML) by walking the node tree, so every fault names file:line:col. Amounts
/// are decimal text in currency units per million tokens (per request for <c>per_request</c>) and are
/// parsed exactly into micros; more precision than one micro is refused. The format:
/// <code>
/// models:
///   gpt-4o:
///     input: 2.50            # uncached prompt tokens
///     cached_input: 1.25     # default: input
///     cache_write: 2.50      # default: input
///     output: 10.00
///     reasoning: 10.00       # default: output
///     per_request: 0         # default: 0
///     per_image: 0.04        # media figures (docs/endpoints.md): per image, per_image_variants {quality/size: …},
///                            # per_audio_second, per_million_characters, per_search_unit; input/output then default to 0
///     aliases: [chatgpt-4o-latest]
///     channels:              # per-channel overrides; unspecified fields inherit from the model
///       azure-east: { input: 2.75, output: 11.00 }
/// groups:
///   partner: 0.8             # account-group multiplier
/// </code></summary>
internal static class PriceFileLoader
{
    /// <summary>The name of the price file shipped inside Candor.Core.</summary>
    public const string DefaultResourceName = "Candor.Core.Accounting.prices.default.yaml";

    /// <summary>Loads the shipped list prices.</summary>
    public static PriceTable LoadDefault()
    {
        using var stream = typeof(PriceFileLoader).Assembly.GetManifestResourceStream(DefaultResourceName)
            ?? throw new InvalidOperationException($"The embedded resource {DefaultResourceName} is missing.");
        using var reader = new StreamReader(stream);
        return Load(reader.ReadToEnd(), "prices.default.yaml");
    }

    /// <summary>Loads the shipped list prices with each operator file laid over them in order (later wins).</summary>
    /// <exception cref="ConfigException">A file is missing, malformed or invalid; the message names the place.</exception>
    public static PriceTable LoadLayered(IEnumerable<string> operatorFiles)
    {
        var table = LoadDefault();
        foreach (string path in operatorFiles)
        {
            table = table.Overlay(LoadFile(path));
        }

        return table;
    }

    /// <summary>Loads one price file.</summary>
    /// <exception cref="ConfigException">The file is missing, malformed or invalid; the message names the place.</exception>
    public static PriceTable LoadFile(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ConfigException($"{path}: cannot read the price file: {e.Message}");
        }

        return Load(text, path);
    }

    /// <summary>Loads price file text; <paramref name="source"/> names it in messages.</summary>
    /// <exception cref="ConfigException">The text is malformed or invalid; the message names file:line:col.</exception>
    public static PriceTable Load(string text, string source)
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
            return PriceTable.Empty;
        }

        var reader = new Reader(source);
        var root = reader.Map(stream.Documents[0].RootNode, "(root)");
        var models = new List<ModelPriceEntry>();
        var groups = new Dictionary<string, PriceMultiplier>(StringComparer.Ordinal);
        foreach (var (keyNode, value) in root.Children)
        {
            string key = reader.Scalar(keyNode, "(root)");
            switch (key)
            {
                case "models":
                    if (value is YamlScalarNode { Value: null or "" })
                    {
                        break;
                    }

                    foreach (var (nameNode, modelNode) in reader.Map(value, "models").Children)
                    {
                        models.Add(reader.ReadModel(nameNode, modelNode));
                    }

                    break;
                case "groups":
                    if (value is YamlScalarNode { Value: null or "" })
                    {
                        break;
                    }

                    foreach (var (nameNode, factorNode) in reader.Map(value, "groups").Children)
                    {
                        string name = reader.Scalar(nameNode, "groups");
                        groups[name] = reader.Multiplier(factorNode, "groups." + name);
                    }

                    break;
                default:
                    throw reader.Fail(keyNode, key, "unknown section (expected models, groups)");
            }
        }

        return new PriceTable(models, groups);
    }

    /// <summary>The figures of one price block before defaults, so channel overrides can inherit.</summary>
    private sealed record Spec(long? Input, long? Output, long? CachedInput, long? CacheWrite, long? Reasoning, long? PerRequest, MediaSpec Media)
    {
        public Spec Over(Spec baseSpec) => new(
            Input ?? baseSpec.Input,
            Output ?? baseSpec.Output,
            CachedInput ?? baseSpec.CachedInput,
            CacheWrite ?? baseSpec.CacheWrite,
            Reasoning ?? baseSpec.Reasoning,
            PerRequest ?? baseSpec.PerRequest,
            Media.Over(baseSpec.Media));
    }

    /// <summary>The media figures of one price block (docs/endpoints.md, "Metering"); all optional.</summary>
    private sealed record MediaSpec(long? PerImage, Dictionary<string, long>? Variants, long? PerAudioSecond, long? PerMillionCharacters, long? PerSearchUnit)
    {
        public static MediaSpec None { get; } = new(null, null, null, null, null);

        public bool IsEmpty => this == None;

        public MediaSpec Over(MediaSpec b) => new(PerImage ?? b.PerImage, Variants ?? b.Variants, PerAudioSecond ?? b.PerAudioSecond,
            PerMillionCharacters ?? b.PerMillionCharacters, PerSearchUnit ?? b.PerSearchUnit);

        public MediaPrice? Resolve() => IsEmpty ? null : new MediaPrice
        {
            PerImage = PerImage,
            ImageVariants = Variants ?? new Dictionary<string, long>(StringComparer.Ordinal),
            PerAudioSecond = PerAudioSecond,
            PerMillionCharacters = PerMillionCharacters,
            PerSearchUnit = PerSearchUnit,
        };
    }

    private sealed class Reader(string source)
    {
        public ModelPriceEntry ReadModel(YamlNode nameNode, YamlNode node)
        {
            string model = Scalar(nameNode, "models");
            string at = "models." + model;
            var map = Map(node, at);
            var spec = ReadSpec(map, at, allowModelKeys: true, out var aliases, out var channelNodes);
            var price = Resolve(spec, node, at);
            var channels = new Dictionary<string, ModelPrice>(StringComparer.Ordinal);
            foreach (var (channelKey, channelNode) in channelNodes)
            {
                string channel = Scalar(channelKey, at + ".channels");
                string channelAt = $"{at}.channels.{channel}";
                var channelSpec = ReadSpec(Map(channelNode, channelAt), channelAt, allowModelKeys: false, out _, out _);
                channels[channel] = Resolve(channelSpec.Over(spec), channelNode, channelAt);
            }

            return new ModelPriceEntry(model, price, channels, aliases);
        }

        private Spec ReadSpec(YamlMappingNode map, string at, bool allowModelKeys, out List<string> aliases, out List<(YamlNode, YamlNode)> channels)
        {
            long? input = null, output = null, cached = null, write = null, reasoning = null, perRequest = null;
            var media = MediaSpec.None;
            aliases = [];
            channels = [];
            foreach (var (k, v) in map.Children)
            {
                string key = Scalar(k, at);
                string path = $"{at}.{key}";
                switch (key)
                {
                    case "input":
                        input = Amount(v, path);
                        break;
                    case "output":
                        output = Amount(v, path);
                        break;
                    case "cached_input":
                        cached = Amount(v, path);
                        break;
                    case "cache_write":
                        write = Amount(v, path);
                        break;
                    case "reasoning":
                        reasoning = Amount(v, path);
                        break;
                    case "per_request":
                        perRequest = Amount(v, path);
                        break;
                    case "per_image":
                        media = media with { PerImage = Amount(v, path) };
                        break;
                    case "per_image_variants":
                        var variants = new Dictionary<string, long>(StringComparer.Ordinal);
                        foreach (var (vk, vv) in Map(v, path).Children)
                        {
                            string variant = Scalar(vk, path);
                            variants[variant] = Amount(vv, $"{path}.{variant}");
                        }

                        media = media with { Variants = variants };
                        break;
                    case "per_audio_second":
                        media = media with { PerAudioSecond = Amount(v, path) };
                        break;
                    case "per_million_characters":
                        media = media with { PerMillionCharacters = Amount(v, path) };
                        break;
                    case "per_search_unit":
                        media = media with { PerSearchUnit = Amount(v, path) };
                        break;
                    case "aliases" when allowModelKeys:
                        foreach (var item in Seq(v, path).Children)
                        {
                            aliases.Add(Scalar(item, path));
                        }

                        break;
                    case "channels" when allowModelKeys:
                        foreach (var (ck, cv) in Map(v, path).Children)
                        {
                            channels.Add((ck, cv));
                        }

                        break;
                    default:
                        throw Fail(k, path, allowModelKeys
                            ? "unknown field (expected input, output, cached_input, cache_write, reasoning, per_request, " + MediaFields + ", aliases, channels)"
                            : "unknown field (expected input, output, cached_input, cache_write, reasoning, per_request, " + MediaFields + ")");
                }
            }

            return new Spec(input, output, cached, write, reasoning, perRequest, media);
        }

        private const string MediaFields = "per_image, per_image_variants, per_audio_second, per_million_characters, per_search_unit";

        private ModelPrice Resolve(Spec spec, YamlNode node, string at)
        {
            // A model priced per image, second, character or search unit needs no token figures (they default to 0).
            bool media = !spec.Media.IsEmpty;
            if (spec.Input is null && !media)
            {
                throw Fail(node, at, "'input' is required");
            }

            if (spec.Output is null && !media)
            {
                throw Fail(node, at, "'output' is required");
            }

            return ModelPrice.Create(spec.Input ?? 0, spec.Output ?? 0, spec.CachedInput, spec.CacheWrite, spec.Reasoning, spec.PerRequest ?? 0)
                with { Media = spec.Media.Resolve() };
        }

        private long Amount(YamlNode node, string path)
        {
            string text = Scalar(node, path);
            if (!Micros.TryParse(text, out long micros, out string? error))
            {
                throw Fail(node, path, error!);
            }

            if (micros > ModelPrice.MaxMicros)
            {
                throw Fail(node, path, $"'{text}' exceeds the largest accepted price, {Micros.Format(ModelPrice.MaxMicros)}");
            }

            return micros;
        }

        public PriceMultiplier Multiplier(YamlNode node, string path)
        {
            try
            {
                return PriceMultiplier.Parse(Scalar(node, path));
            }
            catch (FormatException e)
            {
                throw Fail(node, path, e.Message);
            }
        }

        public YamlMappingNode Map(YamlNode node, string path) =>
            node as YamlMappingNode ?? throw Fail(node, path, "expected a mapping");

        private YamlSequenceNode Seq(YamlNode node, string path) =>
            node as YamlSequenceNode ?? throw Fail(node, path, "expected a list");

        public string Scalar(YamlNode node, string path) =>
            node is YamlScalarNode { Value: { Length: > 0 } v } ? v : throw Fail(node, path, "expected a value");

        public ConfigException Fail(YamlNode node, string path, string message) =>
            new($"{source}:{node.Start.Line}:{node.Start.Column}: {path}: {message}");
    }
}
