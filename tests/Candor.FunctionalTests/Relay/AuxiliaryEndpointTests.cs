using System.Text.Json;
using Candor.FunctionalTests.Infrastructure;

namespace Candor.FunctionalTests.Relay;

/// <summary>Token counting, embeddings and the model lists.</summary>
[Collection(CandorCollection.Name)]
public sealed class AuxiliaryEndpointTests(CandorFixture fixture)
{
    [Theory]
    [InlineData("m-anthropic", "upstream")]
    [InlineData("m-openai", "estimate")]
    [InlineData("m-gemini", "upstream")]
    public async Task AnthropicCountTokens_UsesTheUpstreamCounterOnlyWhenItHasOne(string model, string source)
    {
        using var client = fixture.CreateClient();
        var ct = Json.Timeout();
        using var response = await client.PostAsync("/v1/messages/count_tokens", Json.Body($$"""
            {"model":"{{model}}","system":"You are a helpful assistant.","messages":[{"role":"user","content":"How many tokens is this sentence?"}]}
            """), ct);
        var body = await Json.ReadAsync(response, ct);
        Assert.Equal(200, (int)response.StatusCode);
        Assert.True(body.GetProperty("input_tokens").GetInt32() > 5);
        Assert.Equal(source, response.Headers.GetValues("x-candor-count-source").Single());
    }

    [Theory]
    [InlineData("m-gemini", "upstream")]
    [InlineData("m-anthropic", "upstream")]
    [InlineData("m-openai", "estimate")]
    public async Task GeminiCountTokens_AnswersTotalTokens(string model, string source)
    {
        using var client = fixture.CreateClient();
        var ct = Json.Timeout();
        using var response = await client.PostAsync($"/v1beta/models/{model}:countTokens", Json.Body("""
            {"contents":[{"role":"user","parts":[{"text":"How many tokens is this sentence?"}]}]}
            """), ct);
        var body = await Json.ReadAsync(response, ct);
        Assert.Equal(200, (int)response.StatusCode);
        Assert.True(body.GetProperty("totalTokens").GetInt32() > 5);
        Assert.Equal(source, response.Headers.GetValues("x-candor-count-source").Single());
    }

    [Theory]
    [InlineData("m-embed")]
    [InlineData("m-embed-gemini")]
    public async Task Embeddings_ReturnOneVectorPerInput(string model)
    {
        using var client = fixture.CreateClient();
        var ct = Json.Timeout();
        using var response = await client.PostAsync("/v1/embeddings", Json.Body($$"""
            {"model":"{{model}}","input":["first text","second text","third"],"dimensions":8}
            """), ct);
        var body = await Json.ReadAsync(response, ct);
        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal("list", body.GetProperty("object").GetString());
        var data = body.GetProperty("data");
        Assert.Equal(3, data.GetArrayLength());
        for (int i = 0; i < 3; i++)
        {
            Assert.Equal(i, data[i].GetProperty("index").GetInt32());
            Assert.Equal(8, data[i].GetProperty("embedding").GetArrayLength());
        }
    }

    [Fact]
    public async Task Embeddings_OnAModelWithoutThem_Is400()
    {
        using var client = fixture.CreateClient();
        var ct = Json.Timeout();
        using var response = await client.PostAsync("/v1/embeddings", Json.Body("""{"model":"m-anthropic","input":"x"}"""), ct);
        Assert.Equal(400, (int)response.StatusCode);
        var body = await Json.ReadAsync(response, ct);
        Assert.Contains("embeddings", body.GetProperty("error").GetProperty("message").GetString());
    }

    [Fact]
    public async Task ModelList_NamesEveryPublicModelAndNothingElse()
    {
        using var client = fixture.CreateClient();
        var ct = Json.Timeout();
        var list = await Json.ReadAsync(await client.GetAsync("/v1/models", ct), ct);
        var ids = list.GetProperty("data").EnumerateArray().Select(m => m.GetProperty("id").GetString()).ToList();
        Assert.Contains("m-openai", ids);
        Assert.Contains("m-gemini", ids);
        Assert.DoesNotContain("gpt-4o-mini", ids);
        using var one = await client.GetAsync("/v1/models/m-anthropic", ct);
        Assert.Equal("m-anthropic", (await Json.ReadAsync(one, ct)).GetProperty("id").GetString());
        using var missing = await client.GetAsync("/v1/models/nope", ct);
        Assert.Equal(404, (int)missing.StatusCode);
        using var unauthorized = await fixture.CreateClient(key: null).GetAsync("/v1/models", ct);
        Assert.Equal(401, (int)unauthorized.StatusCode);
        var gemini = await Json.ReadAsync(await client.GetAsync("/v1beta/models", ct), ct);
        Assert.Contains(gemini.GetProperty("models").EnumerateArray(), m => m.GetProperty("name").GetString() == "models/m-gemini");
    }
}
