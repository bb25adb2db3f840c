using Candor.FunctionalTests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Candor.FunctionalTests.Operations;

/// <summary>Gemini's <c>?key=</c> never reaches a log, with every category at Trace (ASP.NET's hosting diagnostics
/// log the full URL), while it still authenticates (issue 13, item 14).</summary>
public sealed class GeminiKeyLoggingTests
{
    [Fact]
    public async Task QueryKey_AuthenticatesAndIsInNoLogAtAnyLevel()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await using var app = await CandorTestHost.Create().Prefix("candor-gkey-").Env("CLIENT_KEY", CandorFixture.Key).CaptureLogs(LogLevel.Trace)
            // An operator who turns every category up (Logging__LogLevel__Default=Trace) gets ASP.NET's request lines too.
            .Services(static s => s.Configure<LoggerFilterOptions>(static o =>
            {
                o.Rules.Clear();
                o.MinLevel = LogLevel.Trace;
            }))
            .Yaml("""
            channels:
              - id: nowhere
                provider: gemini
                base_url: http://127.0.0.1:9
            models:
              - name: m
                deployments: [{ channel: nowhere, model: gemini-2.5-flash }]
            keys:
              - name: test
                key_env: CLIENT_KEY
            """).StartAsync(cts.Token);
        var logs = app.Logs;
        using var client = app.CreateClient();

        using (var ok = await client.GetAsync($"/v1beta/models?alt=json&key={CandorFixture.Key}&pageSize=5", cts.Token))
        {
            Assert.Equal(200, (int)ok.StatusCode);
        }

        string wrong = "sk-wrong-" + Guid.NewGuid().ToString("N");
        using (var refused = await client.PostAsync($"/v1beta/models/m:generateContent?KEY={wrong}", new StringContent("{}"), cts.Token))
        {
            Assert.Equal(401, (int)refused.StatusCode);
        }

        using (var post = await client.PostAsync($"/v1beta/models/m:generateContent?key={Uri.EscapeDataString(CandorFixture.Key)}", new StringContent("""{"contents":[{"parts":[{"text":"hi"}]}]}"""), cts.Token))
        {
            Assert.NotEqual(401, (int)post.StatusCode);
        }

        await app.DisposeAsync();
        var lines = logs.Lines.ToList();
        Assert.Contains(lines, static l => l.Contains("Request starting", StringComparison.Ordinal) && l.Contains("/v1beta/models?alt=json&pageSize=5", StringComparison.Ordinal));
        Assert.DoesNotContain(lines, l => l.Contains(CandorFixture.Key, StringComparison.Ordinal) || l.Contains(wrong, StringComparison.Ordinal));
    }
}
