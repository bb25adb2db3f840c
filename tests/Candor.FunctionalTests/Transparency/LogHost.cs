using Candor.Core.Transparency;
using Candor.Emulator;
using Candor.FunctionalTests.Infrastructure;
using Candor.Transparency.Log;

namespace Candor.FunctionalTests.Transparency;

/// <summary>A Candor with a data directory (and so a transparency log) over a given directory, which outlives the
/// host: a later host reopens the log a killed process left.</summary>
internal sealed class LogHost : IAsyncDisposable
{
    /// <summary>A configuration key, for requests whose receipts go into the log.</summary>
    public const string Key = "sk-log-0123456789abcdefghijklmn";

    private readonly CandorTestHost _host;

    private LogHost(CandorTestHost host)
    {
        _host = host;
        Client = host.CreateClient();
    }

    /// <summary>Why the hosts of the single-node log's tests keep their store on SQLite when the tests run on PostgreSQL:
    /// with the store on PostgreSQL the log is the platform's shared log in the database (Cluster/SharedLog*).</summary>
    public const string FileLog = "the single-node transparency log, whose tiles and journal are files of the data directory";

    public HttpClient Client { get; }

    public ITransparencyLog Log => _host.Service<ITransparencyLog>();

    public string VerifierKey => _host.Service<TileLog>().VerifierKey;

    public TileLog TileLog => _host.Service<TileLog>();

    public static async Task<LogHost> StartAsync(string directory, string origin, string mergeDelay = "400ms") =>
        new(await CandorTestHost.Create()
            .OnSqlite(FileLog)
            .InDirectory(directory)
            .Emulator(new EmulatorOptions())
            .Env("UPSTREAM_KEY", "k")
            .Env("LOG_TEST_KEY", Key)
            .Yaml(emu => $$"""
                server:
                  data_dir: data
                  log_origin: {{origin}}
                  log_max_merge_delay: {{mergeDelay}}
                channels:
                  - { id: oa, provider: openai, base_url: {{emu}}/v1, api_key_env: UPSTREAM_KEY }
                models:
                  - { name: m, deployments: [{ channel: oa, model: gpt-4o-mini }] }
                keys:
                  - { name: tester, key_env: LOG_TEST_KEY }
                """)
            .StartAsync());

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _host.DisposeAsync();
    }
}
