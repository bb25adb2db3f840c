using System.Text.Json;
using Candor.FunctionalTests.Infrastructure;
using Candor.Server.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Logging;

namespace Candor.FunctionalTests.Hosting;

/// <summary>`candor serve --demo` serves every surface with in-process emulated upstreams.</summary>
public sealed class DemoModeTests
{
    private const string DemoKey = "sk-candor-demo-for-tests-000000";

    [Fact]
    public async Task DemoMode_ServesEveryDemoModelOnEverySurface()
    {
        var output = new StringWriter();
        await using var app = await CandorServer.BuildAsync(new ServeOptions
        {
            Demo = true,
            Urls = "http://127.0.0.1:0",
            Environment = name => name == "CANDOR_DEMO_KEY" ? DemoKey : null,
            LogLevel = LogLevel.Warning,
        }, output);
        await app.StartAsync();
        Assert.Contains("demo-gpt", output.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(DemoKey, output.ToString(), StringComparison.Ordinal);
        using var client = new HttpClient { BaseAddress = new Uri(app.Urls.First()) };
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
        await app.StopAsync(ct);
    }

    [Fact]
    public async Task DemoMode_WithoutAKey_GeneratesAndPrintsOne()
    {
        var output = new StringWriter();
        await using var app = await CandorServer.BuildAsync(new ServeOptions { Demo = true, Urls = "http://127.0.0.1:0", Environment = _ => null, LogLevel = LogLevel.Warning }, output);
        var match = System.Text.RegularExpressions.Regex.Match(output.ToString(), "sk-candor-demo-[0-9a-f]{32}");
        Assert.True(match.Success);
        await app.StartAsync();
        using var client = new HttpClient { BaseAddress = new Uri(app.Urls.First()) };
        client.DefaultRequestHeaders.Authorization = new("Bearer", match.Value);
        var ct = Json.Timeout(30);
        var models = await Json.ReadAsync(await client.GetAsync("/v1/models", ct), ct);
        Assert.Contains(models.GetProperty("data").EnumerateArray(), m => m.GetProperty("id").GetString() == "demo-claude");
        await app.StopAsync(ct);
    }
}
