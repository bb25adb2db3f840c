using Candor.Core.Accounts;
using Candor.Emulator;
using Candor.FunctionalTests.Infrastructure;
using Candor.Server.Surfaces;
using Candor.Storage;

namespace Candor.FunctionalTests.Admission;

/// <summary>One Candor with small admission bounds (4 requests in flight, 1 open stream, a 2 MiB body budget over a
/// 1 MiB body limit, a 3 s body timeout) and a data directory for stored keys, over its own emulator with a slow
/// channel (3 s before the answer) and a slow stream (20 chunks, 200 ms apart).</summary>
public sealed class AdmissionHost : IAsyncLifetime
{
    public const string ConfigKey = "sk-config-admission-0123456789ab";
    public const int MaxInFlight = 4;
    public const long BodyLimit = 1024 * 1024;

    private CandorTestHost? _host;

    public EmulatorHost Emulator => _host!.Emulator;

    public Uri BaseAddress => _host!.BaseAddress;

    internal RelationalStore Store => _host!.Service<RelationalStore>();

    public StringWriter Console => _host!.Console;

    /// <summary>The operator key the server printed at its first start.</summary>
    public string OperatorKey => _host!.OperatorKey;

    internal NodeAdmission Node => _host!.Service<NodeAdmission>();

    public async Task InitializeAsync() => _host = await CandorTestHost.Create()
        .Prefix("candor-admission-")
        .Env("CLIENT_KEY", ConfigKey)
        .Yaml(static emu => $$"""
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
            """)
        .StartAsync();

    /// <summary>A new stored key on a funded account, usable at once.</summary>
    internal async Task<string> CreateKeyAsync(ApiKeyLimits limits, CancellationToken ct)
    {
        var account = await Store.CreateAccountAsync("test", Account.DefaultGroup, ct);
        await Store.TopUpAsync(account.Id, 100_000_000, "test", ct);
        var key = await Store.CreateKeyAsync(account.Id, "k", limits, isOperator: false, ct);
        await _host!.Service<ApiKeyCache>().RefreshAsync(ct);
        return key!.PlaintextKey;
    }

    public HttpClient CreateClient(string key = ConfigKey) => _host!.CreateClient(key);

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
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }
    }
}
