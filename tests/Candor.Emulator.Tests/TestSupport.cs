using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Candor.Emulator.Tests;

/// <summary>Shared helpers: a started emulator with an HttpClient, SSE splitting and a small schema validator.</summary>
internal sealed class Emu : IAsyncDisposable
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(15);

    private Emu(EmulatorHost host)
    {
        Host = host;
        Client = new HttpClient { BaseAddress = host.BaseAddress, Timeout = Timeout };
    }

    public EmulatorHost Host { get; }
    public HttpClient Client { get; }

    public static async Task<Emu> StartAsync(EmulatorOptions? options = null)
    {
        using var cts = new CancellationTokenSource(Timeout);
        var host = await EmulatorHost.StartAsync(options, cts.Token).WaitAsync(Timeout);
        return new Emu(host);
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await Host.DisposeAsync().AsTask().WaitAsync(Timeout);
    }

    public static HttpRequestMessage Post(string path, string json, params (string Name, string Value)[] headers)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        foreach (var (name, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        return request;
    }

    public async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request)
    {
        using var cts = new CancellationTokenSource(Timeout);
        return await Client.SendAsync(request, cts.Token).WaitAsync(Timeout);
    }

    public async Task<(HttpResponseMessage Response, string Body)> PostAsync(string path, string json, params (string Name, string Value)[] headers)
    {
        using var cts = new CancellationTokenSource(Timeout);
        var response = await Client.SendAsync(Post(path, json, headers), cts.Token).WaitAsync(Timeout);
        var body = await response.Content.ReadAsStringAsync(cts.Token).WaitAsync(Timeout);
        return (response, body);
    }

    public async Task<JsonElement> PostJsonAsync(string path, string json, params (string Name, string Value)[] headers)
    {
        var (response, body) = await PostAsync(path, json, headers);
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}: {body}");
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    public static readonly (string, string) AnthropicVersion = ("anthropic-version", "2023-06-01");
}

/// <summary>One parsed SSE event.</summary>
internal sealed record Sse(string? Event, string Data)
{
    public JsonElement Json => JsonDocument.Parse(Data).RootElement.Clone();

    public static List<Sse> Parse(string body)
    {
        var events = new List<Sse>();
        foreach (var block in body.Split("\n\n", StringSplitOptions.RemoveEmptyEntries))
        {
            string? name = null;
            var data = new StringBuilder();
            foreach (var line in block.Split('\n'))
            {
                if (line.StartsWith("event: ", StringComparison.Ordinal))
                {
                    name = line["event: ".Length..];
                }
                else if (line.StartsWith("data: ", StringComparison.Ordinal))
                {
                    data.Append(line["data: ".Length..]);
                }
            }

            events.Add(new Sse(name, data.ToString()));
        }

        return events;
    }
}

/// <summary>A small JSON-schema validator for the subset the emulator generates from.</summary>
internal static class SchemaCheck
{
    public static void Validate(JsonElement schema, JsonElement value, string path = "$")
    {
        if (schema.TryGetProperty("enum", out var values))
        {
            Assert.Contains(values.EnumerateArray(), v => v.GetRawText() == value.GetRawText());
            return;
        }

        var type = schema.TryGetProperty("type", out var t) ? t.GetString()!.ToLowerInvariant() : "object";
        switch (type)
        {
            case "object":
                Assert.Equal(JsonValueKind.Object, value.ValueKind);
                if (schema.TryGetProperty("required", out var required))
                {
                    foreach (var name in required.EnumerateArray())
                    {
                        Assert.True(value.TryGetProperty(name.GetString()!, out _), $"{path}.{name} is required");
                    }
                }

                if (schema.TryGetProperty("properties", out var properties))
                {
                    foreach (var property in value.EnumerateObject())
                    {
                        Assert.True(properties.TryGetProperty(property.Name, out var sub), $"{path}.{property.Name} is not declared");
                        Validate(sub, property.Value, path + "." + property.Name);
                    }
                }

                break;
            case "array":
                Assert.Equal(JsonValueKind.Array, value.ValueKind);
                if (schema.TryGetProperty("minItems", out var min))
                {
                    Assert.True(value.GetArrayLength() >= min.GetInt32(), $"{path} has too few items");
                }

                if (schema.TryGetProperty("maxItems", out var max))
                {
                    Assert.True(value.GetArrayLength() <= max.GetInt32(), $"{path} has too many items");
                }

                foreach (var item in value.EnumerateArray())
                {
                    Validate(schema.GetProperty("items"), item, path + "[]");
                }

                break;
            case "string":
                Assert.Equal(JsonValueKind.String, value.ValueKind);
                break;
            case "integer":
                Assert.Equal(JsonValueKind.Number, value.ValueKind);
                Assert.True(value.TryGetInt64(out var n), $"{path} is not an integer");
                CheckBounds(schema, n, path);
                break;
            case "number":
                Assert.Equal(JsonValueKind.Number, value.ValueKind);
                CheckBounds(schema, value.GetDouble(), path);
                break;
            case "boolean":
                Assert.True(value.ValueKind is JsonValueKind.True or JsonValueKind.False, $"{path} is not a boolean");
                break;
        }
    }

    private static void CheckBounds(JsonElement schema, double value, string path)
    {
        if (schema.TryGetProperty("minimum", out var min))
        {
            Assert.True(value >= min.GetDouble(), $"{path} below minimum");
        }

        if (schema.TryGetProperty("maximum", out var max))
        {
            Assert.True(value <= max.GetDouble(), $"{path} above maximum");
        }
    }
}
