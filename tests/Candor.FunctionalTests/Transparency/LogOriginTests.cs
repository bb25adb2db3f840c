using System.Text;
using Candor.Emulator;
using Candor.FunctionalTests.Infrastructure;

namespace Candor.FunctionalTests.Transparency;

/// <summary>Without <c>server.log_origin</c> a new log's origin is its URL prefix for a Candor served at
/// <c>https://&lt;operator.domain&gt;/</c> (tlog-tiles: the origin SHOULD be a URL prefix of the log), and an existing
/// log keeps the origin its checkpoint carries when the default changes.</summary>
public sealed class LogOriginTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("candor-origin-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private Task<CandorTestHost> StartAsync(string domain) => CandorTestHost.Create()
        .OnSqlite(LogHost.FileLog)
        .InDirectory(_dir)
        .Emulator(new EmulatorOptions())
        .Env("UPSTREAM_KEY", "k")
        .Yaml(emu => $$"""
            server:
              data_dir: data
              log_max_merge_delay: 200ms
            operator:
              name: Example
              domain: {{domain}}
            channels:
              - { id: oa, provider: openai, base_url: {{emu}}/v1, api_key_env: UPSTREAM_KEY }
            models:
              - { name: m, deployments: [{ channel: oa, model: gpt-4o-mini }] }
            """)
        .StartAsync();

    [Fact]
    public async Task DefaultOrigin_IsTheLogsUrlPrefix_AndAnExistingLogKeepsItsOwn()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await using (var host = await StartAsync("Relay.Example"))
        {
            using var client = host.CreateClient();
            string checkpoint = Encoding.UTF8.GetString(await client.GetByteArrayAsync("/log/checkpoint", cts.Token));
            Assert.StartsWith("relay.example/log\n", checkpoint, StringComparison.Ordinal);
        }

        await using (var host = await StartAsync("other.example"))
        {
            using var client = host.CreateClient();
            string checkpoint = Encoding.UTF8.GetString(await client.GetByteArrayAsync("/log/checkpoint", cts.Token));
            Assert.StartsWith("relay.example/log\n", checkpoint, StringComparison.Ordinal);
        }
    }
}
