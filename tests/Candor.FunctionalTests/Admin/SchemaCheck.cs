using System.Text.Json;

namespace Candor.FunctionalTests.Admin;

/// <summary>A small JSON Schema check for the admin API's answers: <c>$ref</c> into the document, <c>type</c> (one or
/// several), <c>properties</c> (a property not declared is refused unless <c>additionalProperties</c> admits it),
/// <c>required</c>, <c>items</c>, <c>enum</c> and <c>anyOf</c>/<c>oneOf</c>.</summary>
internal static class SchemaCheck
{
    public static void Validate(JsonElement document, JsonElement schema, JsonElement value, string at, List<string> problems)
    {
        if (schema.ValueKind == JsonValueKind.True)
        {
            return;
        }

        if (schema.ValueKind == JsonValueKind.False)
        {
            problems.Add($"{at}: present where the schema admits nothing");
            return;
        }

        if (schema.TryGetProperty("$ref", out var reference))
        {
            schema = Resolve(document, reference.GetString()!);
        }

        foreach (string keyword in new[] { "anyOf", "oneOf" })
        {
            if (schema.TryGetProperty(keyword, out var alternatives))
            {
                bool any = false;
                foreach (var alternative in alternatives.EnumerateArray())
                {
                    var trial = new List<string>();
                    Validate(document, alternative, value, at, trial);
                    any |= trial.Count == 0;
                }

                if (!any)
                {
                    problems.Add($"{at}: matches none of {keyword}");
                    return;
                }
            }
        }

        if (schema.TryGetProperty("type", out var type))
        {
            var types = type.ValueKind == JsonValueKind.Array ? type.EnumerateArray().Select(static t => t.GetString()!).ToList() : [type.GetString()!];
            string actual = TypeOf(value);
            if (!types.Contains(actual) && !(actual == "integer" && types.Contains("number")))
            {
                problems.Add($"{at}: {actual} where the schema says {string.Join("|", types)}");
                return;
            }
        }

        if (schema.TryGetProperty("enum", out var values) && !values.EnumerateArray().Any(v => v.ValueKind == value.ValueKind && v.GetRawText() == value.GetRawText()))
        {
            problems.Add($"{at}: {value.GetRawText()} is not one of {values.GetRawText()}");
        }

        if (value.ValueKind == JsonValueKind.Object)
        {
            bool hasProperties = schema.TryGetProperty("properties", out var properties);
            bool hasAdditional = schema.TryGetProperty("additionalProperties", out var additional);
            foreach (var property in value.EnumerateObject())
            {
                string path = $"{at}.{property.Name}";
                if (hasProperties && properties.TryGetProperty(property.Name, out var declared))
                {
                    Validate(document, declared, property.Value, path, problems);
                }
                else if (hasAdditional && additional.ValueKind != JsonValueKind.False)
                {
                    Validate(document, additional, property.Value, path, problems);
                }
                else
                {
                    problems.Add($"{path}: undeclared property");
                }
            }

            if (schema.TryGetProperty("required", out var required))
            {
                foreach (var name in required.EnumerateArray())
                {
                    if (!value.TryGetProperty(name.GetString()!, out _))
                    {
                        problems.Add($"{at}: required '{name.GetString()}' missing");
                    }
                }
            }
        }

        if (value.ValueKind == JsonValueKind.Array && schema.TryGetProperty("items", out var items))
        {
            int i = 0;
            foreach (var item in value.EnumerateArray())
            {
                Validate(document, items, item, $"{at}[{i++}]", problems);
            }
        }
    }

    private static JsonElement Resolve(JsonElement document, string reference)
    {
        var node = document;
        foreach (string part in reference.TrimStart('#', '/').Split('/'))
        {
            node = node.GetProperty(part.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal));
        }

        return node;
    }

    private static string TypeOf(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Object => "object",
        JsonValueKind.Array => "array",
        JsonValueKind.String => "string",
        JsonValueKind.True or JsonValueKind.False => "boolean",
        JsonValueKind.Null => "null",
        _ => value.GetRawText().AsSpan().IndexOfAny(".eE") < 0 ? "integer" : "number",
    };
}
