using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Candor.Emulator.Generation;

/// <summary>
/// Generates a JSON value that validates against a JSON schema (the subset tools use: type, properties,
/// required, enum, const, items, min/max bounds, anyOf/oneOf, local $ref). Type names are matched
/// case-insensitively because Gemini's schema dialect spells them in upper case.
/// </summary>
internal static class SchemaArguments
{
    private const int MaxDepth = 6;

    private static readonly string[] Samples = ["alpha", "paris", "blue", "relay", "seven", "north", "amber", "river"];

    public static string Generate(JsonElement schema, SplitMix rng)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, Http.Json.WriterOptions))
        {
            if (schema.ValueKind == JsonValueKind.Object)
            {
                Write(writer, schema, schema, rng, 0, forceObject: true);
            }
            else
            {
                writer.WriteStartObject();
                writer.WriteEndObject();
            }
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static void Write(Utf8JsonWriter w, JsonElement schema, JsonElement root, SplitMix rng, int depth, bool forceObject = false)
    {
        schema = Resolve(schema, root);
        if (schema.ValueKind != JsonValueKind.Object)
        {
            w.WriteNullValue();
            return;
        }

        if (schema.TryGetProperty("const", out var constant))
        {
            constant.WriteTo(w);
            return;
        }

        if (schema.TryGetProperty("enum", out var values) && values.ValueKind == JsonValueKind.Array && values.GetArrayLength() > 0)
        {
            values[rng.Range(0, values.GetArrayLength())].WriteTo(w);
            return;
        }

        foreach (var combinator in (ReadOnlySpan<string>)["anyOf", "oneOf", "allOf"])
        {
            if (schema.TryGetProperty(combinator, out var options) && options.ValueKind == JsonValueKind.Array && options.GetArrayLength() > 0)
            {
                // The first branch that is not plain null keeps the value useful.
                foreach (var option in options.EnumerateArray())
                {
                    if (TypeOf(Resolve(option, root)) != "null")
                    {
                        Write(w, option, root, rng, depth);
                        return;
                    }
                }

                Write(w, options[0], root, rng, depth);
                return;
            }
        }

        var type = TypeOf(schema) ?? (forceObject ? "object" : "string");
        switch (type)
        {
            case "object":
                WriteObject(w, schema, root, rng, depth);
                break;
            case "array":
                WriteArray(w, schema, root, rng, depth);
                break;
            case "integer":
                w.WriteNumberValue(IntegerIn(schema, rng));
                break;
            case "number":
                WriteNumber(w, schema, rng);
                break;
            case "boolean":
                w.WriteBooleanValue(rng.Bool());
                break;
            case "null":
                w.WriteNullValue();
                break;
            default:
                w.WriteStringValue(StringFor(schema, rng));
                break;
        }
    }

    private static void WriteObject(Utf8JsonWriter w, JsonElement schema, JsonElement root, SplitMix rng, int depth)
    {
        w.WriteStartObject();
        if (depth < MaxDepth && schema.TryGetProperty("properties", out var properties) && properties.ValueKind == JsonValueKind.Object)
        {
            foreach (var property in properties.EnumerateObject())
            {
                w.WritePropertyName(property.Name);
                Write(w, property.Value, root, rng, depth + 1);
            }
        }

        w.WriteEndObject();
    }

    private static void WriteArray(Utf8JsonWriter w, JsonElement schema, JsonElement root, SplitMix rng, int depth)
    {
        var min = Int(schema, "minItems") ?? 1;
        var max = Int(schema, "maxItems") ?? Math.Max(min, 2);
        var count = depth >= MaxDepth ? Math.Min(min, 0) : rng.Range(min, Math.Max(min, max) + 1);
        w.WriteStartArray();
        if (count > 0 && schema.TryGetProperty("items", out var items))
        {
            for (var i = 0; i < count; i++)
            {
                Write(w, items, root, rng, depth + 1);
            }
        }
        else
        {
            for (var i = 0; i < count; i++)
            {
                w.WriteStringValue(Samples[rng.Range(0, Samples.Length)]);
            }
        }

        w.WriteEndArray();
    }

    private static long IntegerIn(JsonElement schema, SplitMix rng)
    {
        var (low, high) = Bounds(schema);
        var min = (long)Math.Ceiling(low);
        var max = (long)Math.Floor(high);
        if (max < min)
        {
            return min;
        }

        var span = (ulong)(max - min) + 1;
        return min + (long)(rng.Next() % span);
    }

    private static void WriteNumber(Utf8JsonWriter w, JsonElement schema, SplitMix rng)
    {
        var (low, high) = Bounds(schema);
        var value = low + (rng.NextDouble() * (high - low));
        value = Math.Round(value, 2);
        if (value < low || value > high)
        {
            value = low;
        }

        w.WriteNumberValue(value);
    }

    private static (double Low, double High) Bounds(JsonElement schema)
    {
        var low = Double(schema, "minimum") ?? double.NaN;
        var high = Double(schema, "maximum") ?? double.NaN;
        if (Double(schema, "exclusiveMinimum") is { } exMin)
        {
            low = exMin + 1;
        }

        if (Double(schema, "exclusiveMaximum") is { } exMax)
        {
            high = exMax - 1;
        }

        if (double.IsNaN(low) && double.IsNaN(high))
        {
            return (0, 100);
        }

        if (double.IsNaN(low))
        {
            low = high - 100;
        }

        if (double.IsNaN(high))
        {
            high = low + 100;
        }

        return (low, high);
    }

    private static string StringFor(JsonElement schema, SplitMix rng)
    {
        var format = schema.TryGetProperty("format", out var f) && f.ValueKind == JsonValueKind.String ? f.GetString() : null;
        var value = format switch
        {
            "date-time" => "2025-01-15T09:30:00Z",
            "date" => "2025-01-15",
            "time" => "09:30:00",
            "email" => "someone@example.com",
            "uri" or "url" => "https://example.com/item",
            "uuid" => "3f2b8c1e-4d5a-4b6c-9e7f-1a2b3c4d5e6f",
            _ => Samples[rng.Range(0, Samples.Length)],
        };
        var minLength = Int(schema, "minLength") ?? 0;
        var maxLength = Int(schema, "maxLength") ?? int.MaxValue;
        if (value.Length < minLength)
        {
            value = value.PadRight(minLength, 'x');
        }

        if (value.Length > maxLength)
        {
            value = value[..Math.Max(0, maxLength)];
        }

        return value;
    }

    private static string? TypeOf(JsonElement schema)
    {
        if (schema.ValueKind != JsonValueKind.Object || !schema.TryGetProperty("type", out var type))
        {
            if (schema.ValueKind == JsonValueKind.Object && schema.TryGetProperty("properties", out _))
            {
                return "object";
            }

            return null;
        }

        if (type.ValueKind == JsonValueKind.String)
        {
            return type.GetString()!.ToLowerInvariant();
        }

        if (type.ValueKind == JsonValueKind.Array)
        {
            string? first = null;
            foreach (var t in type.EnumerateArray())
            {
                var name = t.ValueKind == JsonValueKind.String ? t.GetString()!.ToLowerInvariant() : null;
                first ??= name;
                if (name is not null and not "null")
                {
                    return name;
                }
            }

            return first;
        }

        return null;
    }

    private static JsonElement Resolve(JsonElement schema, JsonElement root)
    {
        for (var hops = 0; hops < 8; hops++)
        {
            if (schema.ValueKind != JsonValueKind.Object || !schema.TryGetProperty("$ref", out var reference) ||
                reference.GetString() is not { } path || !path.StartsWith("#/", StringComparison.Ordinal))
            {
                return schema;
            }

            var target = root;
            foreach (var segment in path[2..].Split('/'))
            {
                var name = segment.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal);
                if (target.ValueKind != JsonValueKind.Object || !target.TryGetProperty(name, out target))
                {
                    return default;
                }
            }

            schema = target;
        }

        return schema;
    }

    private static int? Int(JsonElement schema, string name) =>
        schema.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out var n) ? n
        : schema.TryGetProperty(name, out v) && v.ValueKind == JsonValueKind.String &&
          int.TryParse(v.GetString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out n) ? n : null;

    private static double? Double(JsonElement schema, string name) =>
        schema.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetDouble() : null;
}
