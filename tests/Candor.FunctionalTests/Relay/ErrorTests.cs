using System.Text.Json;
using Candor.FunctionalTests.Infrastructure;

namespace Candor.FunctionalTests.Relay;

/// <summary>Each surface answers failures in its own envelope and status codes.</summary>
[Collection(CandorCollection.Name)]
public sealed class ErrorTests(CandorFixture fixture)
{
    private const string OpenAIPath = "/v1/chat/completions";
    private const string AnthropicPath = "/v1/messages";

    private static string GeminiPath(string model) => $"/v1beta/models/{model}:generateContent";

    private static string OpenAIBody(string model, string extra = "") => $$"""{"model":"{{model}}"{{extra}},"messages":[{"role":"user","content":"hi"}]}""";

    private static string AnthropicBody(string model) => $$"""{"model":"{{model}}","max_tokens":32,"messages":[{"role":"user","content":"hi"}]}""";

    private const string GeminiBody = """{"contents":[{"role":"user","parts":[{"text":"hi"}]}]}""";

    private async Task<(int Status, JsonElement Body, HttpResponseMessage Response)> PostAsync(string path, string body, string? key = CandorFixture.Key)
    {
        using var client = fixture.CreateClient(key);
        var ct = Json.Timeout();
        var response = await client.PostAsync(path, Json.Body(body), ct);
        return ((int)response.StatusCode, await Json.ReadAsync(response, ct), response);
    }

    private static void AssertOpenAIError(JsonElement body, string type)
    {
        var error = body.GetProperty("error");
        Assert.Equal(type, error.GetProperty("type").GetString());
        Assert.False(string.IsNullOrEmpty(error.GetProperty("message").GetString()));
    }

    private static void AssertAnthropicError(JsonElement body, string type)
    {
        Assert.Equal("error", body.GetProperty("type").GetString());
        Assert.Equal(type, body.GetProperty("error").GetProperty("type").GetString());
    }

    private static void AssertGeminiError(JsonElement body, int code, string status)
    {
        var error = body.GetProperty("error");
        Assert.Equal(code, error.GetProperty("code").GetInt32());
        Assert.Equal(status, error.GetProperty("status").GetString());
    }

    [Fact]
    public async Task BadKey_Is401InEachEnvelope()
    {
        var (s1, b1, _) = await PostAsync(OpenAIPath, OpenAIBody("m-openai"), "sk-wrong-key-000000000000");
        Assert.Equal(401, s1);
        AssertOpenAIError(b1, "invalid_request_error");
        var (s2, b2, _) = await PostAsync(AnthropicPath, AnthropicBody("m-openai"), null);
        Assert.Equal(401, s2);
        AssertAnthropicError(b2, "authentication_error");
        var (s3, b3, _) = await PostAsync(GeminiPath("m-openai") + "?key=nope", GeminiBody, null);
        Assert.Equal(401, s3);
        AssertGeminiError(b3, 401, "UNAUTHENTICATED");
    }

    [Fact]
    public async Task InvalidJson_Is400InEachEnvelope()
    {
        var (s1, b1, _) = await PostAsync(OpenAIPath, "{\"model\":");
        Assert.Equal(400, s1);
        AssertOpenAIError(b1, "invalid_request_error");
        var (s2, b2, _) = await PostAsync(AnthropicPath, "[1,2");
        Assert.Equal(400, s2);
        AssertAnthropicError(b2, "invalid_request_error");
        var (s3, b3, _) = await PostAsync(GeminiPath("m-openai"), "nope");
        Assert.Equal(400, s3);
        AssertGeminiError(b3, 400, "INVALID_ARGUMENT");
    }

    [Fact]
    public async Task MissingFields_Are400NamingTheField()
    {
        var (s1, b1, _) = await PostAsync(OpenAIPath, """{"model":"m-openai"}""");
        Assert.Equal(400, s1);
        Assert.Contains("messages", b1.GetProperty("error").GetProperty("message").GetString());
        var (s2, b2, _) = await PostAsync(AnthropicPath, """{"model":"m-openai","messages":[{"role":"user","content":"hi"}]}""");
        Assert.Equal(400, s2);
        Assert.Contains("max_tokens", b2.GetProperty("error").GetProperty("message").GetString());
    }

    [Fact]
    public async Task UnknownModel_Is404InEachEnvelope()
    {
        var (s1, b1, _) = await PostAsync(OpenAIPath, OpenAIBody("no-such-model"));
        Assert.Equal(404, s1);
        Assert.Equal("model_not_found", b1.GetProperty("error").GetProperty("code").GetString());
        var (s2, b2, _) = await PostAsync(AnthropicPath, AnthropicBody("no-such-model"));
        Assert.Equal(404, s2);
        AssertAnthropicError(b2, "not_found_error");
        var (s3, b3, _) = await PostAsync(GeminiPath("no-such-model"), GeminiBody);
        Assert.Equal(404, s3);
        AssertGeminiError(b3, 404, "NOT_FOUND");
    }

    [Fact]
    public async Task BodyTooLarge_Is413InEachEnvelope()
    {
        string big = new('a', 1_100_000);
        var (s1, b1, _) = await PostAsync(OpenAIPath, OpenAIBody("m-openai", $",\"user\":\"{big}\""));
        Assert.Equal(413, s1);
        AssertOpenAIError(b1, "invalid_request_error");
        var (s2, b2, _) = await PostAsync(AnthropicPath, $$"""{"model":"m-openai","max_tokens":1,"messages":[{"role":"user","content":"{{big}}"}]}""");
        Assert.Equal(413, s2);
        AssertAnthropicError(b2, "request_too_large");
    }

    [Fact]
    public async Task Upstream500_Is502AndNeverEchoesTheUpstreamBody()
    {
        var (status, body, _) = await PostAsync(OpenAIPath, OpenAIBody("m-500"));
        Assert.Equal(502, status);
        AssertOpenAIError(body, "server_error");
    }

    [Fact]
    public async Task Upstream429_Is429WithRetryAfterInTheClientEnvelope()
    {
        var (s1, b1, r1) = await PostAsync(OpenAIPath, OpenAIBody("m-429"));
        Assert.Equal(429, s1);
        AssertOpenAIError(b1, "rate_limit_error");
        Assert.Equal(TimeSpan.FromSeconds(7), r1.Headers.RetryAfter?.Delta);
        var (s2, b2, r2) = await PostAsync(AnthropicPath, AnthropicBody("m-429"));
        Assert.Equal(429, s2);
        AssertAnthropicError(b2, "rate_limit_error");
        Assert.Equal(TimeSpan.FromSeconds(7), r2.Headers.RetryAfter?.Delta);
    }

    [Fact]
    public async Task UpstreamSlowerThanFirstByteTimeout_Is504()
    {
        var (status, body, _) = await PostAsync(GeminiPath("m-slow"), GeminiBody);
        Assert.Equal(504, status);
        AssertGeminiError(body, 504, "DEADLINE_EXCEEDED");
    }

    [Fact]
    public async Task FailingDeployments_FailOverBeforeTheFirstByte()
    {
        var (status, body, response) = await PostAsync(OpenAIPath, OpenAIBody("m-failover"));
        Assert.Equal(200, status);
        Assert.Equal("chat.completion", body.GetProperty("object").GetString());
        Assert.Equal("3", response.Headers.GetValues("x-candor-attempts").Single());
        Assert.Equal("oa", response.Headers.GetValues("x-candor-channel").Single());
    }

    [Fact]
    public async Task UnsupportedGeminiMethod_Is404()
    {
        var (status, body, _) = await PostAsync("/v1beta/models/m-openai:predict", GeminiBody);
        Assert.Equal(404, status);
        AssertGeminiError(body, 404, "NOT_FOUND");
    }
}
