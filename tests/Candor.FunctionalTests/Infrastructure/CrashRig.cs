using System.Diagnostics;
using Candor.Core.Accounts;
using Candor.Emulator;
using Candor.Storage;

namespace Candor.FunctionalTests.Infrastructure;

/// <summary>The set-up the kill -9 tests share (Billing/CrashTests, Billing/AdmissionCrashTests): an emulator, a
/// temporary directory with a configuration of one OpenAI channel whose emulator path sets the upstream's behaviour,
/// an account with credit and a key created in the data directory before Candor starts, and Candor as its own process
/// (<see cref="CandorProcess"/>) on a free port.</summary>
internal sealed class CrashRig : IAsyncDisposable
{
    private readonly EmulatorHost _emulator;
    private readonly string _dir;

    private CrashRig(EmulatorHost emulator, string dir, string accountId, string key)
    {
        _emulator = emulator;
        _dir = dir;
        AccountId = accountId;
        Key = key;
    }

    /// <summary>The data directory (<c>data</c> next to the configuration).</summary>
    public string DataDirectory => Path.Combine(_dir, "data");

    /// <summary>The seeded account: 100 USD of credit.</summary>
    public string AccountId { get; }

    /// <summary>A plain key of <see cref="AccountId"/>.</summary>
    public string Key { get; }

    /// <summary>The port every start of Candor listens on.</summary>
    public int Port { get; } = CandorProcess.FreePort();

    private string Config => Path.Combine(_dir, "candor.yaml");

    /// <summary>Starts the emulator, writes the configuration with the upstream at <c>{emulator}/<paramref name="upstreamPath"/></c>
    /// (e.g. <c>x/ttft_ms=60000/v1</c>) and seeds the data directory.</summary>
    public static async Task<CrashRig> StartAsync(string prefix, string upstreamPath, CancellationToken ct)
    {
        var emulator = await EmulatorHost.StartAsync(new EmulatorOptions { RequiredApiKey = "upstream-secret" }, ct);
        string dir = Directory.CreateTempSubdirectory(prefix).FullName;
        string emu = emulator.BaseAddress.ToString().TrimEnd('/');
        await File.WriteAllTextAsync(Path.Combine(dir, "candor.yaml"), $$"""
            server:
              data_dir: data
              default_max_output_tokens: 100
            channels:
              - { id: oa, provider: openai, base_url: {{emu}}/{{upstreamPath}}, api_key_env: UPSTREAM_KEY }
            models:
              - { name: m-openai, deployments: [{ channel: oa, model: gpt-4o-mini }] }
            """, ct);

        var boot = await StoreBootstrap.InitializeAsync(Path.Combine(dir, "data"), TimeProvider.System, ct);
        using var store = boot.Store;
        var account = await store.CreateAccountAsync("crash", Account.DefaultGroup, ct);
        await store.TopUpAsync(account.Id, 100_000_000, "test", ct);
        string key = (await store.CreateKeyAsync(account.Id, "load", ApiKeyLimits.None, isOperator: false, ct))!.PlaintextKey;
        return new CrashRig(emulator, dir, account.Id, key);
    }

    /// <summary>A client of Candor's port with <see cref="Key"/> as its bearer.</summary>
    public HttpClient Client(TimeSpan timeout)
    {
        var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{Port}"), Timeout = timeout };
        client.DefaultRequestHeaders.Authorization = new("Bearer", Key);
        return client;
    }

    /// <summary>Starts <c>candor serve</c> on the configuration and data directory.</summary>
    public Process StartCandor() =>
        CandorProcess.Start(Config, Port, "Warning", new Dictionary<string, string> { ["UPSTREAM_KEY"] = "upstream-secret" }, static _ => { });

    /// <summary>Kills <paramref name="candor"/> if it still runs, and disposes it.</summary>
    public static void Stop(Process candor)
    {
        if (!candor.HasExited)
        {
            candor.Kill(entireProcessTree: true);
        }

        candor.Dispose();
    }

    /// <summary>Starts Candor again on the same data directory, waits until it serves (the restart's recovery runs
    /// before it listens), runs <paramref name="whileServing"/>, and kills it.</summary>
    public async Task RestartAsync(HttpClient client, Func<Task> whileServing, CancellationToken ct)
    {
        var restarted = StartCandor();
        try
        {
            await CandorProcess.WaitHealthyAsync(client, ct);
            await whileServing();
        }
        finally
        {
            restarted.Kill(entireProcessTree: true);
            await restarted.WaitForExitAsync(ct);
            restarted.Dispose();
        }
    }

    /// <summary>Opens the data directory's store (after the last process has gone).</summary>
    public async Task<RelationalStore> OpenStoreAsync(CancellationToken ct) =>
        (await StoreBootstrap.InitializeAsync(DataDirectory, TimeProvider.System, ct)).Store;

    public async ValueTask DisposeAsync()
    {
        await _emulator.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }
}
