using System.Text.Json;
using Candor.FunctionalTests.Infrastructure;

namespace Candor.FunctionalTests.Relay;

/// <summary>The Gemini surface's <c>:embedContent</c> and <c>:batchEmbedContents</c> through the real server, to a Gemini
/// upstream (m-embed-gemini) and an OpenAI one (m-embed), in Gemini's shapes (raw HTTP: there is no official Gemini
/// .NET SDK among the test packages).</summary>
[Collection(CandorCollection.Name)]
public sealed class GeminiEmbeddingsTests(CandorFixture fixture)
{
    public static TheoryData<string> Models => new() { "m-embed", "m-embed-gemini" };

    private HttpClient GeminiClient()
    {
        var client = fixture.CreateClient(key: null);
        client.DefaultRequestHeaders.Add("x-goog-api-key", CandorFixture.Key);
        return client;
    }

    [Theory]
    [MemberData(nameof(Models))]
    public async Task EmbedContent_ReturnsOneVectorOfTheAskedDimension(string model)
    {
        using var client = GeminiClient();
        var ct = Json.Timeout();
        using var response = await client.PostAsync($"/v1beta/models/{model}:embedContent", Json.Body($$"""
            {"model":"models/{{model}}","content":{"parts":[{"text":"What is the meaning of life?"}]},"outputDimensionality":8}
            """), ct);
        var body = await Json.ReadAsync(response, ct);

        Assert.Equal(200, (int)response.StatusCode);
        var values = body.GetProperty("embedding").GetProperty("values");
        Assert.Equal(8, values.GetArrayLength());
        Assert.All(values.EnumerateArray(), v => Assert.Equal(JsonValueKind.Number, v.ValueKind));
    }

    [Theory]
    [MemberData(nameof(Models))]
    public async Task BatchEmbedContents_ReturnsVectorsInTheRequestsOrder(string model)
    {
        using var client = GeminiClient();
        var ct = Json.Timeout();
        using var batch = await client.PostAsync($"/v1beta/models/{model}:batchEmbedContents", Json.Body($$$"""
            {"requests":[
              {"model":"models/{{{model}}}","content":{"parts":[{"text":"first text"}]}},
              {"model":"models/{{{model}}}","content":{"parts":[{"text":"second text"}]}}]}
            """), ct);
        var body = await Json.ReadAsync(batch, ct);
        Assert.Equal(200, (int)batch.StatusCode);
        var embeddings = body.GetProperty("embeddings").EnumerateArray().Select(e => e.GetProperty("values").EnumerateArray().Select(v => v.GetSingle()).ToArray()).ToList();
        Assert.Equal(2, embeddings.Count);
        Assert.NotEqual(embeddings[0], embeddings[1]);

        // Each vector is the one a single embedContent of the same text gets: the order is kept.
        using var single = await client.PostAsync($"/v1beta/models/{model}:embedContent", Json.Body("""{"content":{"parts":[{"text":"second text"}]}}"""), ct);
        var one = (await Json.ReadAsync(single, ct)).GetProperty("embedding").GetProperty("values").EnumerateArray().Select(v => v.GetSingle()).ToArray();
        Assert.Equal(one, embeddings[1]);
    }

    [Fact]
    public async Task BatchForAnotherModel_Is400InGeminisEnvelope_AndNothingIsForwarded()
    {
        using var client = GeminiClient();
        var ct = Json.Timeout();
        long before = fixture.Emulator.Journal.Count;
        using var response = await client.PostAsync("/v1beta/models/m-embed-gemini:batchEmbedContents", Json.Body("""
            {"requests":[{"model":"models/m-embed","content":{"parts":[{"text":"x"}]}}]}
            """), ct);
        var body = await Json.ReadAsync(response, ct);
        Assert.Equal(400, (int)response.StatusCode);
        Assert.Equal("INVALID_ARGUMENT", body.GetProperty("error").GetProperty("status").GetString());
        Assert.Equal(before, fixture.Emulator.Journal.Count);
    }

    [Fact]
    public async Task UnknownModel_Is404InGeminisEnvelope()
    {
        using var client = GeminiClient();
        var ct = Json.Timeout();
        using var response = await client.PostAsync("/v1beta/models/m-nope:embedContent", Json.Body("""{"content":{"parts":[{"text":"x"}]}}"""), ct);
        var body = await Json.ReadAsync(response, ct);
        Assert.Equal(404, (int)response.StatusCode);
        Assert.Equal("NOT_FOUND", body.GetProperty("error").GetProperty("status").GetString());
    }
}
