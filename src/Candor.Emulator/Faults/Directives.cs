using System.Text.Json;

namespace Candor.Emulator.Faults;

/// <summary>Finds <c>[[emulator:SPEC]]</c> directives in any string value of a request body.</summary>
internal static class Directives
{
    private const string Open = "[[emulator:";
    private const string Close = "]]";

    public static FaultSpec Find(JsonElement root)
    {
        var spec = FaultSpec.Empty;
        Walk(root, ref spec);
        return spec;
    }

    public static FaultSpec FindInText(string text)
    {
        var spec = FaultSpec.Empty;
        var start = 0;
        while (true)
        {
            var open = text.IndexOf(Open, start, StringComparison.Ordinal);
            if (open < 0)
            {
                return spec;
            }

            var bodyStart = open + Open.Length;
            var close = text.IndexOf(Close, bodyStart, StringComparison.Ordinal);
            if (close < 0)
            {
                return spec;
            }

            spec = spec.Merge(FaultSpec.Parse(text[bodyStart..close]));
            start = close + Close.Length;
        }
    }

    private static void Walk(JsonElement element, ref FaultSpec spec)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    Walk(property.Value, ref spec);
                }

                break;
            case JsonValueKind.Array:
                foreach (var item in element.EnumerateArray())
                {
                    Walk(item, ref spec);
                }

                break;
            case JsonValueKind.String:
                var text = element.GetString();
                if (text is not null && text.Contains(Open, StringComparison.Ordinal))
                {
                    spec = spec.Merge(FindInText(text));
                }

                break;
        }
    }
}
