using System.Net.Http.Headers;
using Candor.Core.Accounting;
using Candor.Core.Accounts;
using Candor.Emulator;
using Candor.Server.Hosting;
using Candor.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Candor.FunctionalTests.Billing;

/// <summary>One Candor with a temporary data directory over its own emulator, for one test class. Accounts and
/// keys are created through the running server's store; <see cref="CreateKeyAsync"/> refreshes the key cache so
/// the key works at once.</summary>
public sealed class BillingHost : IAsyncLifetime
{
    public const string ConfigKey = "sk-config-0123456789abcdefghij";

    private WebApplication? _app;
    private string? _dir;

    public EmulatorHost Emulator { get; private set; } = null!;

    public Uri BaseAddress { get; private set; } = null!;

    public SqliteStore Store => _app!.Services.GetRequiredService<SqliteStore>();

    public IServiceProvider Services => _app!.Services;

    public PriceTable Prices => _app!.Services.GetRequiredService<PriceBook>().Current;

    public StringWriter Console { get; } = new();

    /// <summary>The data directory of the running server.</summary>
    public string DataDirectory => Path.Combine(_dir!, "data");

    /// <summary>The operator key the server printed at its first start.</summary>
    public string OperatorKey => Console.ToString().Split('\n').Select(static l => l.Trim())
        .First(static l => l.StartsWith("Operator key", StringComparison.Ordinal)).Split(' ')[^1];

    public async Task InitializeAsync()
    {
        Emulator = await EmulatorHost.StartAsync(new EmulatorOptions { RequiredApiKey = "upstream-secret" });
        _dir = Directory.CreateTempSubdirectory("candor-billing-").FullName;
        string emu = Emulator.BaseAddress.ToString().TrimEnd('/');
        string config = Path.Combine(_dir, "candor.yaml");
        await File.WriteAllTextAsync(config, $$"""
            server:
              data_dir: data
              default_max_output_tokens: 200
            routing:
              all_unhealthy: try_anyway
            channels:
              - { id: oa, provider: openai, base_url: {{emu}}/v1, api_key_env: UPSTREAM_KEY }
              - { id: an, provider: anthropic, base_url: {{emu}}, api_key_env: UPSTREAM_KEY }
              - { id: ge, provider: gemini, base_url: {{emu}}, api_key_env: UPSTREAM_KEY }
              - { id: ds, provider: deepseek, base_url: {{emu}}/v1, api_key_env: UPSTREAM_KEY }
              - { id: cached, provider: openai, base_url: {{emu}}/x/cached_tokens=8/v1, api_key_env: UPSTREAM_KEY }
              - { id: cut, provider: openai, base_url: {{emu}}/x/disconnect_after=4/v1, api_key_env: UPSTREAM_KEY }
              - { id: slow, provider: openai, base_url: {{emu}}/x/chunk_ms=200;tokens=200/v1, api_key_env: UPSTREAM_KEY }
              - { id: broken, provider: openai, base_url: {{emu}}/x/status=500/v1, api_key_env: UPSTREAM_KEY }
            models:
              - { name: m-openai, deployments: [{ channel: oa, model: gpt-4o-mini }] }
              - { name: m-anthropic, deployments: [{ channel: an, model: claude-sonnet-4-5 }] }
              - { name: m-gemini, deployments: [{ channel: ge, model: gemini-2.5-flash }] }
              - { name: m-deepseek, deployments: [{ channel: ds, model: deepseek-reasoner }] }
              - { name: m-cached, deployments: [{ channel: cached, model: gpt-4o }] }
              - { name: m-cut, deployments: [{ channel: cut, model: gpt-4o }] }
              - { name: m-slow, deployments: [{ channel: slow, model: gpt-4o }] }
              - { name: m-500, deployments: [{ channel: broken, model: gpt-4o }] }
              - { name: m-unpriced, deployments: [{ channel: oa, model: no-such-priced-model }] }
              - { name: m-embed, deployments: [{ channel: oa, model: text-embedding-3-small }] }
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

    /// <summary>A new account with <paramref name="topUpMicros"/> on it.</summary>
    public async Task<Account> CreateAccountAsync(long topUpMicros, CancellationToken ct, string group = Account.DefaultGroup)
    {
        var account = await Store.CreateAccountAsync("test", group, ct);
        if (topUpMicros > 0)
        {
            await Store.TopUpAsync(account.Id, topUpMicros, "test", ct);
        }

        return account;
    }

    /// <summary>A new key, usable at once.</summary>
    public async Task<CreatedApiKey> CreateKeyAsync(string accountId, ApiKeyLimits limits, CancellationToken ct)
    {
        var key = await Store.CreateKeyAsync(accountId, "k", limits, isOperator: false, ct);
        await _app!.Services.GetRequiredService<ApiKeyCache>().RefreshAsync(ct);
        return key!;
    }

    public HttpClient CreateClient(string key)
    {
        var client = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return client;
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
