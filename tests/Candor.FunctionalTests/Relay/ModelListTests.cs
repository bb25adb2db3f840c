using Anthropic;
using Anthropic.Models.Models;
using Candor.FunctionalTests.Infrastructure;

namespace Candor.FunctionalTests.Relay;

/// <summary>The model list on every surface, in each vendor's shape: the official Anthropic SDK and plain OpenAI-style requests on
/// the same <c>GET /v1/models</c> (told apart by their headers; the OpenAI SDK's list is in OpenAISdkTests), and Gemini's <c>/v1beta/models</c>.</summary>
[Collection(CandorCollection.Name)]
public sealed class ModelListTests(CandorFixture fixture)
{
    private AnthropicClient Anthropic() => new()
    {
        ApiKey = CandorFixture.Key,
        BaseUrl = fixture.BaseAddress.ToString().TrimEnd('/'),
        MaxRetries = 0,
        Timeout = TimeSpan.FromSeconds(20),
    };

    [Fact]
    public async Task AnthropicSdk_ListsAndRetrievesThePublicModels()
    {
        var ct = Json.Timeout();
        using var client = Anthropic();
        // Two a page: the SDK's own pagination walks the after_id cursor to the end.
        var page = await client.Models.List(new ModelListParams { Limit = 2 }, ct);
        var ids = page.Items.Select(m => m.ID).ToList();
        while (page.HasNext())
        {
            page = await page.Next(ct);
            ids.AddRange(page.Items.Select(m => m.ID));
        }

        Assert.Equal(ids.Distinct().Order(StringComparer.Ordinal), ids);
        Assert.Contains("m-anthropic", ids);
        Assert.Contains("m-openai", ids);
        Assert.DoesNotContain("claude-sonnet-4-5", ids);

        ModelInfo one = await client.Models.Retrieve("m-gemini", new ModelRetrieveParams(), ct);
        Assert.Equal("m-gemini", one.ID);
        Assert.Equal("m-gemini", one.DisplayName);
    }

    [Fact]
    public async Task AnthropicHeaders_PageWithLimitAndCursors()
    {
        var ct = Json.Timeout();
        using var client = fixture.CreateClient(key: null);
        client.DefaultRequestHeaders.Add("x-api-key", CandorFixture.Key);
        client.DefaultRequestHeaders.Add("anthropic-version", "2023-06-01");

        var first = await Json.ReadAsync(await client.GetAsync("/v1/models?limit=2", ct), ct);
        Assert.Equal(2, first.GetProperty("data").GetArrayLength());
        Assert.True(first.GetProperty("has_more").GetBoolean());
        Assert.Equal("model", first.GetProperty("data")[0].GetProperty("type").GetString());
        string last = first.GetProperty("last_id").GetString()!;

        var next = await Json.ReadAsync(await client.GetAsync($"/v1/models?limit=2&after_id={last}", ct), ct);
        Assert.True(string.CompareOrdinal(next.GetProperty("first_id").GetString(), last) > 0);

        var back = await Json.ReadAsync(await client.GetAsync($"/v1/models?limit=2&before_id={next.GetProperty("first_id").GetString()}", ct), ct);
        Assert.Equal(first.GetProperty("last_id").GetString(), back.GetProperty("last_id").GetString());

        using var bad = await client.GetAsync("/v1/models?limit=0", ct);
        Assert.Equal(400, (int)bad.StatusCode);
        Assert.Equal("invalid_request_error", (await Json.ReadAsync(bad, ct)).GetProperty("error").GetProperty("type").GetString());

        using var missing = await client.GetAsync("/v1/models/nope", ct);
        Assert.Equal(404, (int)missing.StatusCode);
        Assert.Equal("error", (await Json.ReadAsync(missing, ct)).GetProperty("type").GetString());
    }

    [Fact]
    public async Task BearerWithoutAnthropicHeaders_GetsOpenAIsShape()
    {
        var ct = Json.Timeout();
        using var client = fixture.CreateClient();
        var list = await Json.ReadAsync(await client.GetAsync("/v1/models", ct), ct);
        Assert.Equal("list", list.GetProperty("object").GetString());
        Assert.False(list.TryGetProperty("has_more", out _));
    }

    [Fact]
    public async Task Gemini_ListPagesAndGetsOneModel()
    {
        var ct = Json.Timeout();
        using var client = fixture.CreateClient(key: null);
        client.DefaultRequestHeaders.Add("x-goog-api-key", CandorFixture.Key);

        var first = await Json.ReadAsync(await client.GetAsync("/v1beta/models?pageSize=3", ct), ct);
        Assert.Equal(3, first.GetProperty("models").GetArrayLength());
        string token = first.GetProperty("nextPageToken").GetString()!;
        var rest = await Json.ReadAsync(await client.GetAsync($"/v1beta/models?pageSize=1000&pageToken={token}", ct), ct);
        Assert.False(rest.TryGetProperty("nextPageToken", out _));
        var names = first.GetProperty("models").EnumerateArray().Concat(rest.GetProperty("models").EnumerateArray()).Select(m => m.GetProperty("name").GetString()).ToList();
        Assert.Equal(names.Distinct().Count(), names.Count);
        Assert.Contains("models/m-embed-gemini", names);

        var one = await Json.ReadAsync(await client.GetAsync("/v1beta/models/m-gemini", ct), ct);
        Assert.Equal("models/m-gemini", one.GetProperty("name").GetString());
        Assert.Contains(one.GetProperty("supportedGenerationMethods").EnumerateArray(), m => m.GetString() == "embedContent");

        using var missing = await client.GetAsync("/v1beta/models/m-nope", ct);
        Assert.Equal(404, (int)missing.StatusCode);
        Assert.Equal("NOT_FOUND", (await Json.ReadAsync(missing, ct)).GetProperty("error").GetProperty("status").GetString());
    }
}
