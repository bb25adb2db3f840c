using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Candor.FunctionalTests.Infrastructure;

namespace Candor.FunctionalTests.Relay;

/// <summary>Input Candor cannot read and upstream data Kestrel cannot send never turn into a bare 500: bodies that
/// are not text get a 400 in the surface's envelope with a receipt, unknown routes a 404 (wrong methods a 405) in
/// the envelope of the path's surface, and a served model name with non-ASCII or control characters reaches the
/// client percent-encoded in its header, with the status its receipt records.</summary>
[Collection(CandorCollection.Name)]
public sealed class BadInputTests(CandorFixture fixture)
{
    public static TheoryData<string, string, string> Surfaces => new()
    {
        { "/v1/chat/completions", "openai", """{"model":"m-openai","messages":[{"role":"user","content":"@"}]}""" },
        { "/v1/embeddings", "openai", """{"model":"m-embed","input":"@"}""" },
        { "/v1/messages", "anthropic", """{"model":"m-anthropic","max_tokens":8,"messages":[{"role":"user","content":"@"}]}""" },
        { "/v1/messages/count_tokens", "anthropic", """{"model":"m-anthropic","messages":[{"role":"user","content":"@"}]}""" },
        { "/v1beta/models/m-gemini:generateContent", "gemini", """{"contents":[{"role":"user","parts":[{"text":"@"}]}]}""" },
        { "/v1beta/models/m-gemini:streamGenerateContent?alt=sse", "gemini", """{"contents":[{"role":"user","parts":[{"text":"@"}]}]}""" },
        { "/v1beta/models/m-gemini:countTokens", "gemini", """{"contents":[{"role":"user","parts":[{"text":"@"}]}]}""" },
    };

    [Theory]
    [MemberData(nameof(Surfaces))]
    public async Task LoneSurrogateOrInvalidUtf8_IsA400InTheEnvelope_WithAReceipt(string path, string envelope, string template)
    {
        var ct = Json.Timeout();
        using var client = fixture.CreateClient();
        foreach (byte[] insert in new[] { "\\ud800"u8.ToArray(), new byte[] { 0xC3, 0x28 }, new byte[] { 0xED, 0xB0, 0x80 } })
        {
            byte[] utf8 = Encoding.UTF8.GetBytes(template);
            int at = Array.IndexOf(utf8, (byte)'@');
            var content = new ByteArrayContent([.. utf8[..at], .. insert, .. utf8[(at + 1)..]]);
            content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            using var response = await client.PostAsync(path, content, ct);
            Assert.Equal(400, (int)response.StatusCode);
            AssertEnvelope(envelope, await Json.ReadAsync(response, ct));
            var receipt = await ReceiptAsync(client, response, ct);
            Assert.Equal(400, receipt.GetProperty("status").GetInt32());
            Assert.Equal("refused", receipt.GetProperty("outcome").GetString());
        }
    }

    [Theory]
    [InlineData("GET", "/v1/nothing", "openai", 404)]
    [InlineData("POST", "/v1/chat/completion", "openai", 404)]
    [InlineData("GET", "/", "openai", 404)]
    [InlineData("POST", "/v1/messages/batches", "anthropic", 404)]
    [InlineData("GET", "/v1beta/tunedModels", "gemini", 404)]
    [InlineData("GET", "/v1/chat/completions", "openai", 405)]
    [InlineData("GET", "/v1/messages", "anthropic", 405)]
    [InlineData("GET", "/v1beta/models/m-gemini:generateContent", "gemini", 405)]
    public async Task UnknownRouteOrMethod_AnswersInThePathsEnvelope(string method, string path, string envelope, int status)
    {
        var ct = Json.Timeout();
        using var client = fixture.CreateClient();
        using var response = await client.SendAsync(new HttpRequestMessage(new HttpMethod(method), path), ct);
        Assert.Equal(status, (int)response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        AssertEnvelope(envelope, await Json.ReadAsync(response, ct));
    }

    [Theory]
    [InlineData("/v1/chat/completions", "fast")]
    [InlineData("/v1/messages", "translated")]
    public async Task ServedModelWithNonAsciiOrControlCharacters_IsPercentEncoded_AndTheStatusMatchesTheReceipt(string path, string expectedPath)
    {
        var ct = Json.Timeout();
        using var client = fixture.CreateClient();
        foreach (bool stream in new[] { false, true })
        {
            foreach (var (reported, header) in new[] { ("gpt-4o-mini-cafe\\u0301", "gpt-4o-mini-cafe%CC%81"), ("gpt\\u0000x\\u0007", "gpt%00x%07") })
            {
                string text = $"[[emulator:report_model={reported}]] hi";
                string body = path == "/v1/messages"
                    ? $$"""{"model":"m-openai","max_tokens":16,"stream":{{(stream ? "true" : "false")}},"messages":[{"role":"user","content":"{{text}}"}]}"""
                    : $$"""{"model":"m-openai","stream":{{(stream ? "true" : "false")}},"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"{{text}}"}]}""";
                using var response = await client.PostAsync(path, Json.Body(body), ct);
                string answer = await response.Content.ReadAsStringAsync(ct);
                Assert.Equal(200, (int)response.StatusCode);
                Assert.Equal(expectedPath, response.Headers.GetValues("x-candor-path").Single());
                Assert.Equal(header, response.Headers.GetValues("x-candor-served-model").Single());
                Assert.Equal(200, (await ReceiptAsync(client, response, ct)).GetProperty("status").GetInt32());
                Assert.NotEmpty(answer);
            }
        }
    }

    private static async Task<JsonElement> ReceiptAsync(HttpClient client, HttpResponseMessage response, CancellationToken ct)
    {
        string id = response.Headers.GetValues("x-candor-receipt").Single();
        using var fetched = await client.GetAsync("/v1/receipts/" + id, ct);
        Assert.Equal(200, (int)fetched.StatusCode);
        return (await Json.ReadAsync(fetched, ct)).GetProperty("receipt");
    }

    /// <summary>Parses <paramref name="body"/> as the error envelope of <paramref name="surface"/>.</summary>
    internal static void AssertEnvelope(string surface, JsonElement body)
    {
        switch (surface)
        {
            case "anthropic":
                Assert.Equal("error", body.GetProperty("type").GetString());
                Assert.False(string.IsNullOrEmpty(body.GetProperty("error").GetProperty("type").GetString()));
                Assert.False(string.IsNullOrEmpty(body.GetProperty("error").GetProperty("message").GetString()));
                break;
            case "gemini":
                var error = body.GetProperty("error");
                Assert.Equal(JsonValueKind.Number, error.GetProperty("code").ValueKind);
                Assert.False(string.IsNullOrEmpty(error.GetProperty("status").GetString()));
                Assert.False(string.IsNullOrEmpty(error.GetProperty("message").GetString()));
                break;
            default:
                // OpenAI's envelope; the admin envelope has the same two required fields.
                Assert.False(string.IsNullOrEmpty(body.GetProperty("error").GetProperty("type").GetString()));
                Assert.False(string.IsNullOrEmpty(body.GetProperty("error").GetProperty("message").GetString()));
                break;
        }
    }
}
