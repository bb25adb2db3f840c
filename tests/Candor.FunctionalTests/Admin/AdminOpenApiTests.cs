using System.Text.Json;

namespace Candor.FunctionalTests.Admin;

/// <summary>The served OpenAPI document describes every mapped admin route, and only those.</summary>
public sealed class AdminOpenApiTests(AdminFixture fixture) : IClassFixture<AdminFixture>
{
    [Fact]
    public async Task OpenApi_DescribesEveryMappedAdminRoute()
    {
        var (status, doc) = await fixture.AdminAsync(HttpMethod.Get, "/admin/v1/openapi.json");
        Assert.Equal(200, status);
        Assert.Equal("3.1.0", doc.GetProperty("openapi").GetString());
        Assert.Equal("/admin/v1", doc.GetProperty("servers")[0].GetProperty("url").GetString());

        var documented = doc.GetProperty("paths").EnumerateObject()
            .SelectMany(p => p.Value.EnumerateObject().Where(o => o.Name != "parameters").Select(o => (o.Name.ToUpperInvariant(), "/admin/v1" + p.Name)))
            .ToHashSet();
        var mapped = AdminRoutes.Mapped(fixture.App);
        Assert.True(mapped.Count >= 17, $"only {mapped.Count} admin routes mapped");
        foreach (var route in mapped)
        {
            Assert.Contains(route, documented);
        }

        Assert.Equal(mapped.Count, documented.Count);
    }

    [Fact]
    public async Task OpenApi_EveryReferenceResolves()
    {
        var (_, doc) = await fixture.AdminAsync(HttpMethod.Get, "/admin/v1/openapi.json");
        var refs = new List<string>();
        Collect(doc, refs);
        Assert.NotEmpty(refs);
        foreach (string r in refs.Distinct())
        {
            var node = doc;
            foreach (string part in r.TrimStart('#', '/').Split('/'))
            {
                Assert.True(node.TryGetProperty(part, out node), $"unresolved {r}");
            }
        }
    }

    [Fact]
    public async Task OpenApi_EveryOperation_DeclaresTheGuardsFailClosed503()
    {
        var (_, doc) = await fixture.AdminAsync(HttpMethod.Get, "/admin/v1/openapi.json");
        int operations = 0;
        foreach (var path in doc.GetProperty("paths").EnumerateObject())
        {
            foreach (var operation in path.Value.EnumerateObject().Where(static o => o.Name != "parameters"))
            {
                operations++;
                var responses = operation.Value.GetProperty("responses");
                Assert.True(responses.TryGetProperty("503", out var unavailable), $"{operation.Name} {path.Name} declares no 503");
                static string? Schema(JsonElement answer) => answer.GetProperty("content").GetProperty("application/json").GetProperty("schema").GetProperty("$ref").GetString();
                Assert.Equal(Schema(responses.GetProperty("401")), Schema(unavailable));
            }
        }

        Assert.True(operations >= 17, $"only {operations} operations");
    }

    [Fact]
    public async Task OpenApi_RedemptionBatchList_IsAPageWithLimitAndCursor()
    {
        var (_, doc) = await fixture.AdminAsync(HttpMethod.Get, "/admin/v1/openapi.json");
        var list = doc.GetProperty("paths").GetProperty("/redemption-batches/{batchId}").GetProperty("get");
        var names = list.GetProperty("parameters").EnumerateArray().Select(static p => p.GetProperty("name").GetString()).ToHashSet();
        Assert.Contains("limit", names);
        Assert.Contains("cursor", names);
        string reference = list.GetProperty("responses").GetProperty("200").GetProperty("content").GetProperty("application/json")
            .GetProperty("schema").GetProperty("$ref").GetString()!;
        var schema = doc.GetProperty("components").GetProperty("schemas").GetProperty(reference.Split('/')[^1]);
        Assert.True(schema.GetProperty("properties").TryGetProperty("has_more", out _));
        Assert.True(schema.GetProperty("properties").TryGetProperty("next_cursor", out _));
    }

    [Fact]
    public async Task OpenApi_RequiresAnOperatorKey()
    {
        var (status, body) = await fixture.SendAsync(null, HttpMethod.Get, "/admin/v1/openapi.json");
        Assert.Equal(401, status);
        Assert.Equal("authentication_error", body.GetProperty("error").GetProperty("type").GetString());
    }

    private static void Collect(JsonElement e, List<string> refs)
    {
        if (e.ValueKind == JsonValueKind.Object)
        {
            foreach (var p in e.EnumerateObject())
            {
                if (p.Name == "$ref")
                {
                    refs.Add(p.Value.GetString()!);
                }
                else
                {
                    Collect(p.Value, refs);
                }
            }
        }
        else if (e.ValueKind == JsonValueKind.Array)
        {
            foreach (var item in e.EnumerateArray())
            {
                Collect(item, refs);
            }
        }
    }
}
