using System.Net.Http.Headers;
using Candor.Core.Accounts;
using Candor.Emulator;
using Candor.Server.Hosting;
using Candor.Server.Surfaces;
using Candor.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Candor.FunctionalTests.Admission;

/// <summary>One Candor with small admission bounds (4 requests in flight, 1 open stream, a 2 MiB body budget over a
/// 1 MiB body limit, a 3 s body timeout) and a data directory for stored keys, over its own emulator with a slow
/// channel (3 s before the answer) and a slow stream (20 chunks, 200 ms apart).</summary>
public sealed class AdmissionHost : IAsyncLifetime
{
    public const string ConfigKey = "sk-config-admission-0123456789ab";
    public const int MaxInFlight = 4;
    public const long BodyLimit = 1024 * 1024;

    private WebApplication? _app;
    private string? _dir;

    public EmulatorHost Emulator { get; private set; } = null!;

    public Uri BaseAddress { get; private set; } = null!;

    public SqliteStore Store => _app!.Services.GetRequiredService<SqliteStore>();

    public StringWriter Console { get; } = new();

    /// <summary>The operator key the server printed at its first start.</summary>
    public string OperatorKey => Console.ToString().Split('\n').Select(static l => l.Trim())
        .First(static l => l.StartsWith("Operator key", StringComparison.Ordinal)).Split(' ')[^1];

    internal NodeAdmission Node => _app!.Services.GetRequiredService<NodeAdmission>();

    public async Task InitializeAsync()
    {
        Emulator = await EmulatorHost.StartAsync(new EmulatorOptions { RequiredApiKey = "upstream-secret" });
        _dir = Directory.CreateTempSubdirectory("candor-admission-").FullName;
        string emu = Emulator.BaseAddress.ToString().TrimEnd('/');
        string config = Path.Combine(_dir, "candor.yaml");
        await File.WriteAllTextAsync(config, $$"""
            server:
              data_dir: data
              default_max_output_tokens: 200
              max_request_bytes: {{BodyLimit}}
              max_buffered_request_bytes: {{2 * BodyLimit}}
              request_body_timeout: 3s
              max_in_flight_requests: {{MaxInFlight}}
              max_open_streams: 1
            routing:
              all_unhealthy: try_anyway
            channels:
              - { id: oa, provider: openai, base_url: {{emu}}/v1, api_key_env: UPSTREAM_KEY }
              - { id: an, provider: anthropic, base_url: {{emu}}, api_key_env: UPSTREAM_KEY }
              - { id: ge, provider: gemini, base_url: {{emu}}, api_key_env: UPSTREAM_KEY }
              - { id: slow, provider: openai, base_url: {{emu}}/x/latency_ms=3000/v1, api_key_env: UPSTREAM_KEY }
              - { id: trickle, provider: openai, base_url: {{emu}}/x/chunk_ms=200;tokens=20/v1, api_key_env: UPSTREAM_KEY }
            models:
              - { name: m-openai, deployments: [{ channel: oa, model: gpt-4o-mini }] }
              - { name: m-anthropic, deployments: [{ channel: an, model: claude-sonnet-4-5 }] }
              - { name: m-gemini, deployments: [{ channel: ge, model: gemini-2.5-flash }] }
              - { name: m-slow, deployments: [{ channel: slow, model: gpt-4o-mini }] }
              - { name: m-trickle, deployments: [{ channel: trickle, model: gpt-4o-mini }] }
            keys:
              - { name: config, key_env: CLIENT_KEY }
            """);
        _app = await CandorServer.BuildAsync(new ServeOptions
        {
            ConfigPath = config,
            Urls = "http://127.0.0.1:0",
            Environment = static name => name switch
            {
                "UPSTREAM_KEY" => "upstream-secret",
                "CLIENT_KEY" => ConfigKey,
                _ => null,
            },
            Watch = false,
            LogLevel = LogLevel.Warning,
        }, Console);
        await _app.StartAsync();
        BaseAddress = new Uri(_app.Urls.First());
    }

    /// <summary>A new stored key on a funded account, usable at once.</summary>
    public async Task<string> CreateKeyAsync(ApiKeyLimits limits, CancellationToken ct)
    {
        var account = await Store.CreateAccountAsync("test", Account.DefaultGroup, ct);
        await Store.TopUpAsync(account.Id, 100_000_000, "test", ct);
        var key = await Store.CreateKeyAsync(account.Id, "k", limits, isOperator: false, ct);
        await _app!.Services.GetRequiredService<ApiKeyCache>().RefreshAsync(ct);
        return key!.PlaintextKey;
    }

    public HttpClient CreateClient(string key = ConfigKey)
    {
        var client = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return client;
    }

    /// <summary>Waits (polling, bounded by <paramref name="ct"/>) until <paramref name="condition"/> holds.</summary>
    public static async Task WaitUntilAsync(Func<bool> condition, CancellationToken ct)
    {
        while (!condition())
        {
            await Task.Delay(20, ct);
        }
    }

    public async Task DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }

        await Emulator.DisposeAsync();
        if (_dir is not null)
        {
            Directory.Delete(_dir, recursive: true);
        }
    }
}
