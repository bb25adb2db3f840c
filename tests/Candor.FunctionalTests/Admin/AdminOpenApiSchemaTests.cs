using System.Text.Json;
using Candor.FunctionalTests.Infrastructure;

namespace Candor.FunctionalTests.Admin;

/// <summary>The generated OpenAPI document tells the truth about the wire: for every GET route a test host can call,
/// the actual JSON answer matches the schema the document declares for it — every property present is declared with
/// the right JSON type, every required one is present.</summary>
public sealed class AdminOpenApiSchemaTests(AdminFixture fixture) : IClassFixture<AdminFixture>
{
    private const string Prefix = "/admin/v1";

    [Fact]
    public async Task EveryGetRoute_AnswersAsItsSchemaSays()
    {
        var (status, doc) = await fixture.AdminAsync(HttpMethod.Get, Prefix + "/openapi.json");
        Assert.Equal(200, status);

        // Rows in every list: an account with a key, a top-up, one relayed request (usage, a charge, a receipt).
        var (accountId, keyId, key) = await fixture.CreateAccountWithKeyAsync("schema");
        var (topUp, _) = await fixture.AdminAsync(HttpMethod.Post, $"{Prefix}/accounts/{accountId}/top-ups", """{"amount_usd":"5"}""");
        Assert.Equal(201, topUp);
        using (var client = fixture.Client(key))
        {
            var token = Json.Timeout();
            using var chat = await client.PostAsync("/v1/chat/completions", Json.Body("""{"model":"m-openai","messages":[{"role":"user","content":"hi"}]}"""), token);
            Assert.Equal(200, (int)chat.StatusCode);
            await chat.Content.ReadAsStringAsync(token);
        }

        var (_, usage) = await fixture.AdminAsync(HttpMethod.Get, $"{Prefix}/accounts/{accountId}/usage");
        string requestId = usage.GetProperty("data")[0].GetProperty("request_id").GetString()!;

        var checkedRoutes = new List<string>();
        using var admin = fixture.Client(fixture.OperatorKey);
        foreach (var (method, pattern) in AdminRoutes.Mapped(fixture.App).Where(static r => r.Method == "GET").OrderBy(static r => r.Pattern, StringComparer.Ordinal))
        {
            var token = Json.Timeout();
            using var response = await admin.GetAsync(AdminRoutes.Fill(pattern, accountId, keyId, requestId: requestId), token);
            string text = await response.Content.ReadAsStringAsync(token);
            if ((int)response.StatusCode != 200 || response.Content.Headers.ContentType?.MediaType != "application/json")
            {
                continue;
            }

            var operation = doc.GetProperty("paths").GetProperty(pattern[Prefix.Length..]).GetProperty("get");
            var schema = operation.GetProperty("responses").GetProperty("200").GetProperty("content").GetProperty("application/json").GetProperty("schema");
            using var answer = JsonDocument.Parse(text);
            var problems = new List<string>();
            SchemaCheck.Validate(doc, schema, answer.RootElement, "$", problems);
            Assert.True(problems.Count == 0, $"GET {pattern}: {string.Join("; ", problems)}");
            checkedRoutes.Add(pattern);
        }

        foreach (string expected in new[] { "/accounts", "/accounts/{accountId}", "/accounts/{accountId}/keys", "/accounts/{accountId}/usage",
            "/accounts/{accountId}/usage/{requestId}", "/accounts/{accountId}/ledger", "/accounts/{accountId}/balance", "/prices", "/channels", "/settings" })
        {
            Assert.Contains(Prefix + expected, checkedRoutes);
        }

        Assert.True(checkedRoutes.Count >= 15, $"only {checkedRoutes.Count} GET routes checked: {string.Join(", ", checkedRoutes)}");
    }

    [Theory]
    [InlineData("""{"id":"a","extra":1}""", "undeclared")]
    [InlineData("""{"id":7}""", "integer where")]
    [InlineData("""{"name":"x"}""", "required 'id' missing")]
    [InlineData("""{"id":"a","tags":["x",1]}""", "$.tags[1]")]
    [InlineData("""{"id":"a","count":1.5}""", "number where")]
    public void Validator_RefusesWhatTheSchemaDoesNotSay(string answer, string expected)
    {
        using var doc = JsonDocument.Parse("""
            {"components":{"schemas":{"Thing":{"type":"object","required":["id"],"properties":{
              "id":{"type":"string"},"name":{"type":["string","null"]},"count":{"type":"integer"},"tags":{"type":"array","items":{"type":"string"}}}}}}}
            """);
        using var schema = JsonDocument.Parse("""{"$ref":"#/components/schemas/Thing"}""");
        using var value = JsonDocument.Parse(answer);
        var problems = new List<string>();
        SchemaCheck.Validate(doc.RootElement, schema.RootElement, value.RootElement, "$", problems);
        Assert.Contains(problems, p => p.Contains(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void Validator_AcceptsAnAnswerThatMatches()
    {
        using var doc = JsonDocument.Parse("""{"components":{"schemas":{}}}""");
        using var schema = JsonDocument.Parse("""
            {"type":"object","required":["id"],"properties":{"id":{"type":"string"},"n":{"type":["integer","null"]},"r":{"type":"number"},
             "h":{"type":"object","additionalProperties":{"type":"string"}},"any":true}}
            """);
        using var value = JsonDocument.Parse("""{"id":"a","n":null,"r":0,"h":{"x":"y"},"any":[1,{"b":2}]}""");
        var problems = new List<string>();
        SchemaCheck.Validate(doc.RootElement, schema.RootElement, value.RootElement, "$", problems);
        Assert.Empty(problems);
    }
}
