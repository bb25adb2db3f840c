using System.Text.Json;
using Candor.Core.Configuration;
using Candor.FunctionalTests.Infrastructure;
using Candor.Server.Hosting;
using Microsoft.Extensions.Logging;

namespace Candor.FunctionalTests.Hosting;

/// <summary>Configuration is validated at start and reloaded on change; a bad reload is rejected while
/// the old snapshot serves, and in-flight requests finish on the snapshot they started with.</summary>
public sealed class ReloadTests : IDisposable
{
    // The test's own directory, so a start that fails still has a known configuration path to name.
    private readonly string _dir = Directory.CreateTempSubdirectory("candor-reload-").FullName;

    private string ConfigPath => Path.Combine(_dir, "candor.yaml");

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static string Config(params string[] models) => $$"""
        channels:
          - id: oa
            provider: openai
            base_url: {{"{{emu}}"}}/v1
            api_key_env: UPSTREAM_KEY
        models:
        {{string.Concat(models.Select(m => $"  - name: {m}\n    deployments: [{{ channel: oa, model: gpt-4o-mini }}]\n"))}}
        keys:
          - name: test
            key_env: CLIENT_KEY
        """;

    /// <summary>Candor watching <c>candor.yaml</c>, started on <paramref name="yaml"/>, its log lines at Warning and above
    /// captured.</summary>
    private Task<CandorTestHost> StartAsync(string yaml) => CandorTestHost.Create()
        .InDirectory(_dir)
        .Env("CLIENT_KEY", CandorFixture.Key)
        .Watch()
        .CaptureLogs(LogLevel.Warning)
        .Yaml(yaml)
        .StartAsync();

    private static async Task<List<string>> ModelsAsync(HttpClient client, CancellationToken ct)
    {
        var list = await Json.ReadAsync(await client.GetAsync("/v1/models", ct), ct);
        return list.GetProperty("data").EnumerateArray().Select(m => m.GetProperty("id").GetString()!).ToList();
    }

    private static async Task WaitForAsync(Func<Task<bool>> condition, CancellationToken ct)
    {
        while (!await condition())
        {
            await Task.Delay(50, ct);
        }
    }

    [Fact]
    public async Task ChangedFile_IsReloaded_AndABadChangeIsRejectedWhileTheOldConfigServes()
    {
        await using var host = await StartAsync(Config("first"));
        using var client = host.CreateClient(CandorFixture.Key);
        var ct = Json.Timeout(30);
        Assert.Equal(["first"], await ModelsAsync(client, ct));

        await host.WriteYamlAsync(Config("first", "second"), ct);
        await WaitForAsync(async () => (await ModelsAsync(client, ct)).Contains("second"), ct);

        await host.WriteYamlAsync(Config("third").Replace("provider: openai", "provider: nonesuch", StringComparison.Ordinal), ct);
        await Task.Delay(1000, ct);
        Assert.Equal(["first", "second"], await ModelsAsync(client, ct));
        using var ok = await client.PostAsync("/v1/chat/completions", Json.Body("""{"model":"second","messages":[{"role":"user","content":"hi"}]}"""), ct);
        Assert.Equal(200, (int)ok.StatusCode);
    }

    [Fact]
    public async Task InFlightStream_FinishesOnItsSnapshotAcrossAReload()
    {
        await using var host = await StartAsync(Config("streamer"));
        using var client = host.CreateClient(CandorFixture.Key);
        var ct = Json.Timeout(30);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
        {
            Content = Json.Body("""{"model":"streamer","stream":true,"messages":[{"role":"user","content":"[[emulator:tokens=20;chunk_ms=60]] go"}]}"""),
        };
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
        var reading = Sse.ReadAllAsync(response, ct);

        // The model disappears from the configuration while its stream is running.
        await host.WriteYamlAsync(Config("other"), ct);
        await WaitForAsync(async () => (await ModelsAsync(client, ct)).Contains("other"), ct);

        var events = await reading;
        Assert.Equal("[DONE]", events[^1].Data);
        Assert.DoesNotContain(events, e => e.Data.Contains("\"error\"", StringComparison.Ordinal));
        using var gone = await client.PostAsync("/v1/chat/completions", Json.Body("""{"model":"streamer","messages":[{"role":"user","content":"hi"}]}"""), ct);
        Assert.Equal(404, (int)gone.StatusCode);
    }

    [Fact]
    public async Task InvalidFileAtStart_StopsStartupNamingThePlace()
    {
        var e = await Assert.ThrowsAsync<ConfigException>(() => StartAsync(Config("m").Replace("api_key_env: UPSTREAM_KEY", "api_key_env: NOT_SET_ANYWHERE", StringComparison.Ordinal)));
        Assert.StartsWith(ConfigPath + ":5:", e.Message, StringComparison.Ordinal);
        Assert.Contains("NOT_SET_ANYWHERE", e.Message, StringComparison.Ordinal);
    }

    // Three faults in three sections: a provider nobody knows, an unknown model setting, a key variable that is not set.
    private static string ThreeFaults() => Config("m")
        .Replace("provider: openai", "provider: nonesuch", StringComparison.Ordinal)
        .Replace("  - name: m\n", "  - name: m\n    colour: blue\n", StringComparison.Ordinal)
        .Replace("key_env: CLIENT_KEY", "key_env: NOT_SET_EITHER", StringComparison.Ordinal);

    private string[] ThreeFaultsErrors() =>
    [
        $"{ConfigPath}:3:15: channels[0].provider: unknown provider 'nonesuch'",
        $"{ConfigPath}:8:5: models[0].colour: unknown model setting",
        $"{ConfigPath}:13:14: keys[0].key_env: environment variable 'NOT_SET_EITHER' is not set",
    ];

    [Fact]
    public async Task FileWithSeveralFaults_StopsStartupListingEveryFault()
    {
        var e = await Assert.ThrowsAsync<ConfigException>(() => StartAsync(ThreeFaults()));

        var expected = ThreeFaultsErrors();
        Assert.Equal(expected.Length, e.Errors.Count);
        Assert.All(expected.Zip(e.Errors), static p => Assert.StartsWith(p.First, p.Second, StringComparison.Ordinal));

        // What `candor serve` prints: a count, then every fault on its own line.
        using var stderr = new StringWriter();
        await Candor.Server.Cli.CandorCli.ReportAsync(e, stderr);
        string[] lines = stderr.ToString().ReplaceLineEndings("\n").Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("candor: invalid configuration (3 errors):", lines[0]);
        Assert.Equal(e.Errors.Select(static x => "  " + x), lines[1..]);
    }

    [Fact]
    public async Task ReloadWithSeveralFaults_IsRejectedLoggingEveryFault_AndTheOldConfigServes()
    {
        await using var host = await StartAsync(Config("first"));
        var logs = host.Logs;
        using var client = host.CreateClient(CandorFixture.Key);
        var ct = Json.Timeout(30);

        await host.WriteYamlAsync(ThreeFaults(), ct);
        Assert.False(await host.Service<ConfigReloader>().ReloadAsync().WaitAsync(ct));

        Assert.Contains(logs.Lines, static l => l.Contains("[1101]", StringComparison.Ordinal) && l.Contains("3 errors", StringComparison.Ordinal));
        foreach (string error in ThreeFaultsErrors())
        {
            Assert.Contains(logs.Lines, l => l.Contains("[2150]", StringComparison.Ordinal) && l.Contains(error, StringComparison.Ordinal));
        }

        Assert.Equal(["first"], await ModelsAsync(client, ct));
    }
}
