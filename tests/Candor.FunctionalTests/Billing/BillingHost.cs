using Candor.Core.Accounting;
using Candor.Core.Accounts;
using Candor.Emulator;
using Candor.FunctionalTests.Infrastructure;
using Candor.Storage;

namespace Candor.FunctionalTests.Billing;

/// <summary>One Candor with a temporary data directory over its own emulator, for one test class. Accounts and
/// keys are created through the running server's store; <see cref="CreateKeyAsync"/> refreshes the key cache so
/// the key works at once. A derived host adds server settings (<see cref="ServerSettings"/>).</summary>
public class BillingHost : IAsyncLifetime
{
    public const string ConfigKey = "sk-config-0123456789abcdefghij";

    private CandorTestHost? _host;

    public EmulatorHost Emulator => _host!.Emulator;

    public Uri BaseAddress => _host!.BaseAddress;

    internal RelationalStore Store => _host!.Service<RelationalStore>();

    /// <summary>The PostgreSQL database of the store when the tests run on PostgreSQL, else null.</summary>
    internal PostgresTestDatabase? Postgres => _host!.Postgres;

    /// <summary>The running server's services.</summary>
    public IServiceProvider Services => _host!.Services;

    /// <summary>One line added to the <c>server:</c> section (for example <c>max_choices: 4</c>).</summary>
    protected virtual string ServerSettings => "";

    /// <summary>Whole sections added at the end of the configuration (for example <c>cluster:</c>).</summary>
    protected virtual string Sections => "";

    internal PriceTable Prices => _host!.Service<PriceBook>().Current;

    public StringWriter Console => _host!.Console;

    /// <summary>The server's log lines at Warning and above.</summary>
    public CapturingLoggerProvider Logs => _host!.Logs;

    /// <summary>Why the store stays on SQLite when the tests run on PostgreSQL (<see cref="CandorTestHost.Builder.OnSqlite"/>);
    /// null: the store the run selects.</summary>
    public string? OnSqlite { get; init; }

    /// <summary>Runs with the data directory's path before the server starts (a test mounts a small filesystem there).</summary>
    public Action<string>? BeforeStart { get; init; }

    /// <summary>Runs with the data directory's path after the server stopped, before the directory is deleted.</summary>
    public Action<string>? AfterStop { get; init; }

    /// <summary>The environment the CLI reads for this host's store (<see cref="CandorTestHost.CliEnvironment"/>).</summary>
    public string? CliEnvironment(string name) => _host!.CliEnvironment(name);

    /// <summary>The data directory of the running server.</summary>
    public string DataDirectory => _host!.DataDirectory;

    /// <summary>The operator key the server printed at its first start.</summary>
    public string OperatorKey => _host!.OperatorKey;

    public virtual async Task InitializeAsync()
    {
        string settings = ServerSettings;
        string sections = Sections;
        _host = await CandorTestHost.Create()
            .Prefix("candor-billing-")
            .OnSqlite(OnSqlite)
            .CaptureLogs(Microsoft.Extensions.Logging.LogLevel.Warning)
            .Env("CLIENT_KEY", ConfigKey)
            .BeforeStart(BeforeStart)
            .AfterStop(AfterStop)
            .Yaml(emu => $$"""
            server:
              data_dir: data
              default_max_output_tokens: 200
              {{settings}}
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
              - { name: m-embed-strict, all_unhealthy: fail_fast, deployments: [{ channel: oa, model: text-embedding-3-small }] }
              - { name: m-openai-strict, all_unhealthy: fail_fast, deployments: [{ channel: oa, model: gpt-4o-mini }] }
            keys:
              - { name: config, key_env: CLIENT_KEY }
            {{sections}}
            """)
            .StartAsync();
    }

    /// <summary>A new account with <paramref name="topUpMicros"/> on it.</summary>
    internal async Task<Account> CreateAccountAsync(long topUpMicros, CancellationToken ct, string group = Account.DefaultGroup)
    {
        var account = await Store.CreateAccountAsync("test", group, ct);
        if (topUpMicros > 0)
        {
            await Store.TopUpAsync(account.Id, topUpMicros, "test", ct);
        }

        return account;
    }

    /// <summary>A new key, usable at once.</summary>
    internal async Task<CreatedApiKey> CreateKeyAsync(string accountId, ApiKeyLimits limits, CancellationToken ct)
    {
        var key = await Store.CreateKeyAsync(accountId, "k", limits, isOperator: false, ct);
        await _host!.Service<ApiKeyCache>().RefreshAsync(ct);
        return key!;
    }

    public HttpClient CreateClient(string key) => _host!.CreateClient(key);

    public virtual async Task DisposeAsync()
    {
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }
    }
}
