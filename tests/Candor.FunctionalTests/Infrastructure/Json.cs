using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Candor.FunctionalTests.Infrastructure;

/// <summary>Small helpers for raw-HTTP tests.</summary>
public static class Json
{
    public static StringContent Body(string json) => new(json, Encoding.UTF8, new MediaTypeHeaderValue("application/json"));

    public static async Task<JsonElement> ReadAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        string text = await response.Content.ReadAsStringAsync(cancellationToken);
        using var doc = JsonDocument.Parse(text);
        return doc.RootElement.Clone();
    }

    /// <summary>The document's root, or default when <paramref name="text"/> is empty (a 204, a bodiless error).</summary>
    public static JsonElement ParseOrDefault(string text)
    {
        if (text.Length == 0)
        {
            return default;
        }

        using var doc = JsonDocument.Parse(text);
        return doc.RootElement.Clone();
    }

    public static CancellationToken Timeout(int seconds = 20) => new CancellationTokenSource(TimeSpan.FromSeconds(seconds)).Token;

    /// <summary>Every string value of a JSON document, decoded (encoders may escape non-ASCII), joined by newlines.</summary>
    public static string Strings(string json)
    {
        using var doc = JsonDocument.Parse(json);
        var sb = new StringBuilder();
        Walk(doc.RootElement, sb);
        return sb.ToString();

        static void Walk(JsonElement e, StringBuilder sb)
        {
            switch (e.ValueKind)
            {
                case JsonValueKind.Object:
                    foreach (var p in e.EnumerateObject())
                    {
                        Walk(p.Value, sb);
                    }

                    break;
                case JsonValueKind.Array:
                    foreach (var x in e.EnumerateArray())
                    {
                        Walk(x, sb);
                    }

                    break;
                case JsonValueKind.String:
                    sb.Append(e.GetString()).Append('\n');
                    break;
            }
        }
    }
}
