using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;

namespace Candor.FunctionalTests.Fuzz;

/// <summary>Generates hostile request bodies from a valid template, deterministically from a seed: one value (or the
/// whole body) replaced by a value of the wrong type, a huge number, text that is not UTF-8, a lone surrogate escape
/// (also as a property name), deep nesting; or the body truncated, given a duplicate key, or replaced by noise.</summary>
internal static class BodyFuzzer
{
    private const string Marker = "\"\u0001fuzz\u0001\"";

    private static readonly byte[][] Fragments =
    [
        .. new[]
        {
            "0", "-1", "1.5", "1e400", "-1e400", "1e-400", "123456789012345678901234567890", "-9223372036854775809", "2147483648",
            "true", "false", "null", "\"\"", "\"x\"", "[]", "{}", "[1,\"a\",null,{}]", "{\"type\":1}", "{\"\":[]}",
            "\"\\ud800\"", "\"a\\udc00b\"", "\"\\ud800\\u0041\"", "\"\\udbff\\udbff\"", "{\"\\ud800\":1}", "[\"\\udfff\"]",
            "\"\\u0000\\u001f\"", "\"data:image/png;base64,@@@\"", "\"not base64 !!\"", "\"-0\"", "-0", "0.0000000001",
        }.Select(static s => Encoding.UTF8.GetBytes(s)),
        [(byte)'"', 0xC3, 0x28, (byte)'"'],
        [(byte)'"', 0xFF, 0xFE, (byte)'"'],
        [(byte)'"', 0xED, 0xA0, 0x80, (byte)'"'],
        [(byte)'"', (byte)'a', 0xE2, 0x82, (byte)'"'],
        [(byte)'{', (byte)'"', 0xC0, 0xAF, (byte)'"', (byte)':', (byte)'1', (byte)'}'],
        [(byte)'"', 0x01, 0x0A, 0x7F, (byte)'"'],
    ];

    /// <summary>The <paramref name="index"/>th body for <paramref name="template"/> under <paramref name="seed"/>.</summary>
    public static byte[] Generate(string template, int seed, int index)
    {
        var random = new Random(HashCode.Combine(seed, index));
        byte[] body = random.Next(10) switch
        {
            < 6 => ReplaceOne(template, random),
            6 => Truncate(Encoding.UTF8.GetBytes(template), random),
            7 => DuplicateKey(template, random),
            8 => Nest(template, random),
            _ => Noise(random),
        };
        return random.Next(8) == 0 ? Truncate(body, random) : body;
    }

    private static byte[] ReplaceOne(string template, Random random)
    {
        var root = JsonNode.Parse(template)!;
        var nodes = new List<(JsonNode? Parent, object Slot)>();
        Collect(root, nodes);
        var fragment = Fragments[random.Next(Fragments.Length)];
        if (nodes.Count == 0 || random.Next(20) == 0)
        {
            return fragment;
        }

        var (parent, slot) = nodes[random.Next(nodes.Count)];
        if (slot is string name && random.Next(4) == 0)
        {
            // Rename the property: a name that is not text, or a name the decoder does not expect.
            var obj = (JsonObject)parent!;
            var value = obj[name];
            obj.Remove(name);
            obj[random.Next(2) == 0 ? "\u0002fuzzname\u0002" : "unknown_" + name] = value;
            string renamed = obj.Root.ToJsonString();
            return Splice(renamed, "\"\\u0002fuzzname\\u0002\"", random.Next(2) == 0 ? "\"\\ud800\"" : "\"\\udc00x\"");
        }

        Set(parent!, slot, JsonValue.Create("\u0001fuzz\u0001"));
        return Splice(root.ToJsonString(), Marker.Replace("\u0001", "\\u0001", StringComparison.Ordinal), fragment);
    }

    private static byte[] Splice(string json, string marker, string replacement) => Splice(json, marker, Encoding.UTF8.GetBytes(replacement));

    private static byte[] Splice(string json, string marker, byte[] replacement)
    {
        int at = json.IndexOf(marker, StringComparison.Ordinal);
        if (at < 0)
        {
            return Encoding.UTF8.GetBytes(json);
        }

        return [.. Encoding.UTF8.GetBytes(json[..at]), .. replacement, .. Encoding.UTF8.GetBytes(json[(at + marker.Length)..])];
    }

    private static void Collect(JsonNode node, List<(JsonNode? Parent, object Slot)> into)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var (name, child) in obj)
                {
                    into.Add((obj, name));
                    if (child is not null)
                    {
                        Collect(child, into);
                    }
                }

                break;
            case JsonArray array:
                for (int i = 0; i < array.Count; i++)
                {
                    into.Add((array, i));
                    if (array[i] is { } child)
                    {
                        Collect(child, into);
                    }
                }

                break;
        }
    }

    private static void Set(JsonNode parent, object slot, JsonNode value)
    {
        if (parent is JsonObject obj)
        {
            obj[(string)slot] = value;
        }
        else
        {
            ((JsonArray)parent)[(int)slot] = value;
        }
    }

    private static byte[] Truncate(byte[] body, Random random) => body.Length == 0 ? body : body[..random.Next(body.Length)];

    private static byte[] DuplicateKey(string template, Random random)
    {
        var root = JsonNode.Parse(template) as JsonObject;
        if (root is null || root.Count == 0)
        {
            return Encoding.UTF8.GetBytes(template);
        }

        string name = root.ElementAt(random.Next(root.Count)).Key;
        string fragment = Encoding.UTF8.GetString(Fragments[random.Next(29)]);
        string duplicate = $"\"{name}\":{fragment},";
        return random.Next(2) == 0
            ? Encoding.UTF8.GetBytes("{" + duplicate + template[1..])
            : Encoding.UTF8.GetBytes(template[..^1] + "," + duplicate.TrimEnd(',') + "}");
    }

    private static byte[] Nest(string template, Random random)
    {
        int depth = random.Next(4) switch
        {
            0 => 63 + random.Next(4),
            1 => 250 + random.Next(12),
            2 => 1000,
            _ => 20_000,
        };
        var sb = new StringBuilder();
        for (int i = 0; i < depth; i++)
        {
            sb.Append(random.Next(2) == 0 ? "[" : "{\"a\":");
        }

        string open = sb.ToString();
        var close = new StringBuilder();
        for (int i = open.Length - 1; i >= 0; i--)
        {
            if (open[i] == '[')
            {
                close.Append(']');
            }
            else if (open[i] == '{')
            {
                close.Append('}');
            }
        }

        string nested = open + "1" + close;
        var root = JsonNode.Parse(template)!;
        var nodes = new List<(JsonNode? Parent, object Slot)>();
        Collect(root, nodes);
        var (parent, slot) = nodes[random.Next(nodes.Count)];
        Set(parent!, slot, JsonValue.Create("\u0001fuzz\u0001"));
        return Splice(root.ToJsonString(), Marker.Replace("\u0001", "\\u0001", StringComparison.Ordinal), nested);
    }

    private static byte[] Noise(Random random)
    {
        return random.Next(5) switch
        {
            0 => [],
            1 => "null"u8.ToArray(),
            2 => Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"[{random.Next()}]")),
            3 => "\uFEFF{}"u8.ToArray(),
            _ => RandomBytes(random),
        };
    }

    private static byte[] RandomBytes(Random random)
    {
        byte[] bytes = new byte[random.Next(1, 256)];
        random.NextBytes(bytes);
        return bytes;
    }
}
