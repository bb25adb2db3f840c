using System.Text.Json;
using Candor.FunctionalTests.Infrastructure;

namespace Candor.FunctionalTests.Hosting;

/// <summary>`candor serve --demo` serves every surface with in-process emulated upstreams.</summary>
public sealed class DemoModeTests
{
    private const string DemoKey = "sk-candor-demo-for-tests-000000";

    [Fact]
    public async Task DemoMode_ServesEveryDemoModelOnEverySurface()
    {
        await using var app = await CandorTestHost.Create().Demo().Env("CANDOR_DEMO_KEY", DemoKey).StartAsync();
        var output = app.Console;
        Assert.Contains("demo-gpt", output.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(DemoKey, output.ToString(), StringComparison.Ordinal);
        using var client = app.CreateClient();
        var ct = Json.Timeout(30);
        foreach (var model in new[] { "demo-gpt", "demo-claude", "demo-gemini", "demo-reasoner" })
        {
            using var openai = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions") { Content = Json.Body($$"""{"model":"{{model}}","messages":[{"role":"user","content":"hi"}]}""") };
            openai.Headers.Authorization = new("Bearer", DemoKey);
            using var r1 = await client.SendAsync(openai, ct);
            Assert.Equal(200, (int)r1.StatusCode);

            using var anthropic = new HttpRequestMessage(HttpMethod.Post, "/v1/messages") { Content = Json.Body($$"""{"model":"{{model}}","max_tokens":64,"messages":[{"role":"user","content":"hi"}]}""") };
            anthropic.Headers.Add("x-api-key", DemoKey);
            using var r2 = await client.SendAsync(anthropic, ct);
            Assert.Equal(200, (int)r2.StatusCode);

            using var gemini = new HttpRequestMessage(HttpMethod.Post, $"/v1beta/models/{model}:generateContent?key={DemoKey}") { Content = Json.Body("""{"contents":[{"parts":[{"text":"hi"}]}]}""") };
            using var r3 = await client.SendAsync(gemini, ct);
            Assert.Equal(200, (int)r3.StatusCode);
        }

        using var bad = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions") { Content = Json.Body("""{"model":"demo-gpt","messages":[{"role":"user","content":"hi"}]}""") };
        bad.Headers.Authorization = new("Bearer", "sk-wrong");
        using var r4 = await client.SendAsync(bad, ct);
        Assert.Equal(401, (int)r4.StatusCode);
    }

    [Fact]
    public async Task DemoMode_WithoutAKey_GeneratesAndPrintsOne()
    {
        await using var app = await CandorTestHost.Create().Demo().StartAsync();
        var match = System.Text.RegularExpressions.Regex.Match(app.Console.ToString(), "sk-candor-demo-[0-9a-f]{32}");
        Assert.True(match.Success);
        using var client = app.CreateClient(match.Value);
        var ct = Json.Timeout(30);
        var models = await Json.ReadAsync(await client.GetAsync("/v1/models", ct), ct);
        Assert.Contains(models.GetProperty("data").EnumerateArray(), m => m.GetProperty("id").GetString() == "demo-claude");
    }
}
