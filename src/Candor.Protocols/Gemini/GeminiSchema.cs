using System.Text.Json;
using System.Text.Json.Nodes;

namespace Candor.Protocols.Gemini;

/// <summary>Converts Gemini's OpenAPI-subset Schema (upper-case <c>type</c> enum words, <c>nullable</c>,
/// <c>propertyOrdering</c>) into the JSON Schema the canonical model carries.</summary>
internal static class GeminiSchema
{
    public static JsonElement ToJsonSchema(JsonElement schema)
    {
        var node = GeminiWire.ToNode(schema);
        if (node is JsonObject obj)
        {
            Normalize(obj);
        }

        return GeminiWire.ToElement(node!);
    }

    private static void Normalize(JsonObject schema)
    {
        foreach (var key in schema.Select(static p => p.Key).ToList())
        {
            string camel = GeminiWire.Camel(key);
            if (camel != key)
            {
                var value = schema[key];
                schema.Remove(key);
                schema[camel] = value;
            }
        }

        schema.Remove("propertyOrdering");
        string? type = schema["type"] is JsonValue tv && tv.TryGetValue(out string? t) ? t.ToLowerInvariant() : null;
        if (type == "type_unspecified")
        {
            type = null;
            schema.Remove("type");
        }

        bool nullable = schema["nullable"] is JsonValue nv && nv.TryGetValue(out bool n) && n;
        schema.Remove("nullable");
        if (type is not null)
        {
            schema["type"] = nullable ? new JsonArray(type, "null") : type;
        }

        if (schema["properties"] is JsonObject props)
        {
            foreach (var (_, value) in props)
            {
                if (value is JsonObject child)
                {
                    Normalize(child);
                }
            }
        }

        if (schema["items"] is JsonObject items)
        {
            Normalize(items);
        }

        if (schema["anyOf"] is JsonArray anyOf)
        {
            foreach (var value in anyOf)
            {
                if (value is JsonObject child)
                {
                    Normalize(child);
                }
            }
        }
    }
}
