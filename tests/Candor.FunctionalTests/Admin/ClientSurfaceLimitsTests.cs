using System.Text.Json;
using Candor.FunctionalTests.Infrastructure;

namespace Candor.FunctionalTests.Admin;

/// <summary>What a client sees of a stored key's limits and of requests Candor cannot take: the model list on every
/// surface (OpenAI, Anthropic, Gemini v1beta and v1) names only the key's allowed models, a model outside them is not
/// found, and an Anthropic content block Candor does not know is a 400 in Anthropic's envelope, not a crash.</summary>
public sealed class ClientSurfaceLimitsTests(AdminFixture fixture) : IClassFixture<AdminFixture>
{
    private static async Task<(int Status, JsonElement Body)> GetAsync(HttpClient client, string path)
    {
        var ct = Json.Timeout();
        using var response = await client.GetAsync(path, ct);
        return ((int)response.StatusCode, Json.ParseOrDefault(await response.Content.ReadAsStringAsync(ct)));
    }

    [Fact]
    public async Task ModelList_KeyWithAllowedModels_ListsOnlyThoseOnEverySurface()
    {
        var (accountId, keyId, key) = await fixture.CreateAccountWithKeyAsync("limits-list");
        var (patch, _) = await fixture.AdminAsync(HttpMethod.Patch, $"/admin/v1/accounts/{accountId}/keys/{keyId}", """{"allowed_models":["m-gemini","m-openai"]}""");
        Assert.Equal(200, patch);

        using var openai = fixture.Client(key);
        var (status, list) = await GetAsync(openai, "/v1/models");
        Assert.Equal(200, status);
        Assert.Equal(["m-gemini", "m-openai"], list.GetProperty("data").EnumerateArray().Select(m => m.GetProperty("id").GetString()));

        using var anthropic = fixture.Client(null);
        anthropic.DefaultRequestHeaders.Add("x-api-key", key);
        anthropic.DefaultRequestHeaders.Add("anthropic-version", "2023-06-01");
        (status, list) = await GetAsync(anthropic, "/v1/models");
        Assert.Equal(200, status);
        Assert.Equal(["m-gemini", "m-openai"], list.GetProperty("data").EnumerateArray().Select(m => m.GetProperty("id").GetString()));

        using var gemini = fixture.Client(null);
        gemini.DefaultRequestHeaders.Add("x-goog-api-key", key);
        foreach (string path in (string[])["/v1beta/models", "/v1/models"])
        {
            (status, list) = await GetAsync(gemini, path);
            Assert.Equal(200, status);
            Assert.Equal(["models/m-gemini", "models/m-openai"], list.GetProperty("models").EnumerateArray().Select(m => m.GetProperty("name").GetString()));
        }

        (status, _) = await GetAsync(openai, "/v1/models/m-anthropic");
        Assert.Equal(404, status);
        (status, var one) = await GetAsync(gemini, "/v1/models/m-gemini");
        Assert.Equal(200, status);
        Assert.Equal("models/m-gemini", one.GetProperty("name").GetString());
    }

    [Theory]
    [InlineData("""{"type":"brand_new_block","payload":{"x":1}}""")]
    [InlineData("""{"type":"server_tool_use","id":"srvtoolu_1","name":"web_search","input":{}}""")]
    [InlineData("""{"type":"thinking"}""")]
    public async Task AnthropicMessages_UnknownOrBrokenContentBlock_Is400InAnthropicsEnvelope(string block)
    {
        using var client = fixture.Client(null);
        client.DefaultRequestHeaders.Add("x-api-key", CandorFixture.Key);
        client.DefaultRequestHeaders.Add("anthropic-version", "2023-06-01");
        var ct = Json.Timeout();
        string body = $$"""{"model":"m-anthropic","max_tokens":50,"messages":[{"role":"user","content":"hi"},{"role":"assistant","content":[{{block}}]},{"role":"user","content":"go on"}]}""";
        using var response = await client.PostAsync("/v1/messages", Json.Body(body), ct);
        using var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync(ct));

        Assert.Equal(400, (int)response.StatusCode);
        Assert.Equal("error", error.RootElement.GetProperty("type").GetString());
        Assert.Equal("invalid_request_error", error.RootElement.GetProperty("error").GetProperty("type").GetString());
        Assert.Contains("messages.1.content.0", error.RootElement.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
    }
}
