using System.Net.Http.Headers;
using System.Text;
using BenchmarkDotNet.Attributes;
using Candor.Core.Accounts;
using Candor.Core.Admission;
using Candor.Emulator;
using Candor.Server.Hosting;
using Candor.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Candor.Benchmarks;

/// <summary>One non-streamed chat request through the real server with every feature on, in this process: Kestrel on
/// loopback, a stored key (admission, rate limits, money reservation), a redaction policy, metering, the durable
/// settlement and the signed receipt in SQLite, the transparency-log append, and the upstream emulator answering.
/// The allocation counter counts every thread, so a figure holds the client's and the emulator's share too:
/// <see cref="DirectRequest"/> is the same request straight to the emulator, and the difference is what Candor
/// allocates per request (docs/benchmarks.md, "Allocation per request, whole server"). The server's pollers are stopped
/// after the warm-up (<see cref="StopPollersAsync"/>): what the idle server allocates is not counted.
/// <see cref="BareFastPathRequest"/> is the same request through a second server on its bare fast path (a configuration
/// key, no data directory: the receipt signed and kept in memory, nothing stored), bench/run.sh's <c>candor-fast</c> target.</summary>
[MemoryDiagnoser]
public class FullPipelineBenchmarks
{
    private const string UpstreamKey = "sk-bench-upstream";
    private const string ConfigKey = "sk-bench-client-0123456789abcdef";

    private static readonly byte[] CandorBody = Encoding.UTF8.GetBytes("""{"model":"bench-fast","messages":[{"role":"user","content":"hi"}]}""");
    private static readonly byte[] DirectBody = Encoding.UTF8.GetBytes("""{"model":"gpt-4o-mini","messages":[{"role":"user","content":"hi"}]}""");
    private static readonly MediaTypeHeaderValue Json = new("application/json");

    private string _directory = null!;
    private EmulatorHost _emulator = null!;
    private WebApplication _app = null!;
    private WebApplication _bare = null!;
    private HttpClient _client = null!;
    private Uri _candor = null!;
    private Uri _bareCandor = null!;
    private Uri _direct = null!;
    private AuthenticationHeaderValue _clientKey = null!;
    private AuthenticationHeaderValue _upstreamKey = null!;
    private readonly AuthenticationHeaderValue _configKey = new("Bearer", ConfigKey);

    /// <summary>The server's services (the allocation probe measures its background work).</summary>
    internal IServiceProvider Services => _app.Services;

    [GlobalSetup]
    public void Setup() => SetupAsync().GetAwaiter().GetResult();

    [GlobalCleanup]
    public void Cleanup()
    {
        _client.Dispose();
        foreach (var app in (WebApplication[])[_app, _bare])
        {
            app.StopAsync().GetAwaiter().GetResult();
            ((IAsyncDisposable)app).DisposeAsync().AsTask().GetAwaiter().GetResult();
        }

        _emulator.DisposeAsync().AsTask().GetAwaiter().GetResult();
        Directory.Delete(_directory, recursive: true);
    }

    /// <summary>Every feature on: client → Candor → emulator → Candor → client.</summary>
    [Benchmark]
    public Task<int> EveryFeatureOnRequest() => SendAsync(_candor, CandorBody, _clientKey);

    /// <summary>The bare fast path: client → Candor (configuration key, no data directory) → emulator → Candor → client.</summary>
    [Benchmark]
    public Task<int> BareFastPathRequest() => SendAsync(_bareCandor, CandorBody, _configKey);

    /// <summary>The same request straight to the emulator (the client's and the upstream's share of the figure above).</summary>
    [Benchmark]
    public Task<int> DirectRequest() => SendAsync(_direct, DirectBody, _upstreamKey);

    private async Task<int> SendAsync(Uri url, byte[] body, AuthenticationHeaderValue key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = Json;
        request.Headers.Authorization = key;
        using var response = await _client.SendAsync(request, HttpCompletionOption.ResponseContentRead).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"{url}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync().ConfigureAwait(false)}");
        }

        return (int)response.Content.Headers.ContentLength.GetValueOrDefault();
    }

    private async Task SetupAsync()
    {
        var ct = CancellationToken.None;
        _directory = Directory.CreateTempSubdirectory("candor-bench-full-").FullName;
        _emulator = await EmulatorHost.StartAsync(new EmulatorOptions { RequiredApiKey = UpstreamKey }, ct);
        string emulator = _emulator.BaseAddress.ToString().TrimEnd('/');
        string config = Path.Combine(_directory, "candor.yaml");
        string data = Path.Combine(_directory, "data");
        // Both servers relay bench-fast to the emulator's fixed answer; the every-feature one adds its data directory and
        // redaction, the bare one a configuration key.
        string route = $$"""
            channels:
              - { id: oai-fixed, provider: openai, base_url: "{{emulator}}/x/reply=hello%20world/v1", api_key_env: UPSTREAM_KEY }
            models:
              - { name: bench-fast, deployments: [{ channel: oai-fixed, model: gpt-4o-mini }] }
            """;
        await File.WriteAllTextAsync(config, $$"""
            server: { fast_path: true, max_attempts: 1, data_dir: "{{data}}" }
            {{route}}
            privacy:
              redaction: { email: pseudonymize, phone: pseudonymize, secret: mask, cn_id: block }
            """, ct);
        (await StoreBootstrap.InitializeAsync(data, TimeProvider.System, ct)).Store.Dispose();
        _app = await CandorServer.BuildAsync(new ServeOptions
        {
            ConfigPath = config,
            DataDirectory = data,
            Urls = "http://127.0.0.1:0",
            Environment = static name => name == "UPSTREAM_KEY" ? UpstreamKey : null,
            Watch = false,
            LogLevel = LogLevel.Warning,
            // CANDOR_BENCH_HOSTING_ACTIVITY=1 turns ASP.NET Core's hosting diagnostics logger back on (one Activity per
            // request, as before Candor filtered it), to measure what the filter saves.
            ConfigureServices = Environment.GetEnvironmentVariable("CANDOR_BENCH_HOSTING_ACTIVITY") == "1"
                ? static s => s.Configure<LoggerFilterOptions>(static o => o.Rules.Add(new LoggerFilterRule(null, "Microsoft.AspNetCore.Hosting.Diagnostics", LogLevel.Critical, null)))
                : null,
        }, console: null, ct);
        await _app.StartAsync(ct);
        _candor = new Uri(new Uri(_app.Urls.First()), "/v1/chat/completions");

        string bareConfig = Path.Combine(_directory, "candor-bare.yaml");
        await File.WriteAllTextAsync(bareConfig, $$"""
            server: { fast_path: true, max_attempts: 1 }
            {{route}}
            keys: [{ name: bench, key_env: CONFIG_KEY }]
            """, ct);
        _bare = await CandorServer.BuildAsync(new ServeOptions
        {
            ConfigPath = bareConfig,
            Urls = "http://127.0.0.1:0",
            Environment = static name => name switch { "UPSTREAM_KEY" => UpstreamKey, "CONFIG_KEY" => ConfigKey, _ => null },
            Watch = false,
            LogLevel = LogLevel.Warning,
        }, console: null, ct);
        await _bare.StartAsync(ct);
        _bareCandor = new Uri(new Uri(_bare.Urls.First()), "/v1/chat/completions");
        _direct = new Uri(emulator + "/x/reply=hello%20world/v1/chat/completions");

        var store = _app.Services.GetRequiredService<SqliteStore>();
        var account = await store.CreateAccountAsync("bench", Account.DefaultGroup, ct);
        await store.TopUpAsync(account.Id, 1_000_000_000_000, "bench", ct);
        var key = await store.CreateKeyAsync(account.Id, "bench", ApiKeyLimits.None, isOperator: false, ct);
        await _app.Services.GetRequiredService<ApiKeyCache>().RefreshAsync(ct);
        _clientKey = new AuthenticationHeaderValue("Bearer", key!.PlaintextKey);
        _upstreamKey = new AuthenticationHeaderValue("Bearer", UpstreamKey);
        _client = new HttpClient(new SocketsHttpHandler { UseProxy = false, PooledConnectionLifetime = Timeout.InfiniteTimeSpan });

        // Warm both paths (and check them) before the measured runs.
        for (int i = 0; i < 50; i++)
        {
            await EveryFeatureOnRequest().ConfigureAwait(false);
            await BareFastPathRequest().ConfigureAwait(false);
            await DirectRequest().ConfigureAwait(false);
        }

        await StopPollersAsync(ct).ConfigureAwait(false);
    }

    /// <summary>The server's pollers: each reads the store on its own timer whether requests come or not.</summary>
    internal static readonly string[] Pollers =
    [
        "Candor.Server.Hosting.BillingSetup+KeyCacheRefresher", // keys, prices, balances: each second
        "Candor.Server.Hosting.ChannelRefresher", // the stored channels' version: each second
        "Candor.Server.Hosting.PrivacySetup+PrivacyDirectoryRefresher", // the privacy policies: each 5 s
        "Candor.Server.Hosting.WithheldRequests+Loop", // withheld requests: each 5 s
    ];

    /// <summary>Stops the pollers (<see cref="Pollers"/>), so that the allocation counter, which counts every thread,
    /// counts what the requests allocate and not the idle server's store reads meanwhile (their share grows with the
    /// time a request takes, i.e. with the machine's load). Nothing a request does depends on them: the bench changes no
    /// key, price, balance, channel or policy behind the server's back. Fails when one is missing (renamed or removed),
    /// so the list stays true.</summary>
    private async Task StopPollersAsync(CancellationToken ct)
    {
        var services = _app.Services.GetServices<IHostedService>().ToList();
        foreach (string poller in Pollers)
        {
            var service = services.Find(s => s.GetType().FullName == poller)
                ?? throw new InvalidOperationException($"FullPipelineBenchmarks: the hosted service {poller} is not registered; update Pollers.");
            await service.StopAsync(ct).ConfigureAwait(false);
        }
    }
}
