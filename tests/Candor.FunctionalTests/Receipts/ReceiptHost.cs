using Candor.Core.Accounts;
using Candor.Core.Receipts;
using Candor.Core.Transparency;
using Candor.Emulator;
using Candor.FunctionalTests.Infrastructure;
using Candor.Storage;
using Candor.Transparency.Log;
using Candor.Transparency.Merkle;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;

namespace Candor.FunctionalTests.Receipts;

/// <summary>Candor with a data directory, an operator section, two configuration keys and channels that misbehave in
/// the ways receipts must record. On SQLite receipts go to an in-memory transparency log (<see cref="Log"/>); on
/// PostgreSQL to the platform's shared log, which sequences the receipts table itself — a substituted log there would
/// be a second sequencer racing it for each receipt's leaf index — so tests read the log's leaves with
/// <see cref="LeafHashAsync"/>, which works on both.</summary>
public sealed class ReceiptHost : IAsyncLifetime
{
    public const string Alice = "sk-alice-0123456789abcdefghij";
    public const string Bob = "sk-bob-0123456789abcdefghijkl";

    private CandorTestHost? _host;

    public EmulatorHost Emulator => _host!.Emulator;

    public Uri BaseAddress => _host!.BaseAddress;

    public MemoryTransparencyLog Log { get; } = new();

    internal RelationalStore Store => _host!.Service<RelationalStore>();

    internal ReceiptService Receipts => _host!.Service<ReceiptService>();

    /// <summary>The PostgreSQL database of the store when the tests run on PostgreSQL, else null.</summary>
    internal PostgresTestDatabase? Postgres => _host!.Postgres;

    public string DatabasePath => Path.Combine(_host!.DataDirectory, SqliteStore.DatabaseFileName);

    public async Task InitializeAsync() => _host = await CandorTestHost.Create()
        .Prefix("candor-receipts-")
        .Env("ALICE_KEY", Alice)
        .Env("BOB_KEY", Bob)
        .Services(services =>
        {
            if (!PostgresTestDatabase.Selected)
            {
                services.AddSingleton<ITransparencyLog>(Log);
            }
        })
        .Yaml(static emu => $$"""
            server:
              data_dir: data
              default_max_output_tokens: 300
            operator:
              name: Test Relay Ltd
              domain: relay.test
              contact: ops@relay.test
              registrations:
                - { authority: Test Authority, number: TR-0001 }
            channels:
              - { id: oa, provider: openai, base_url: {{emu}}/v1, api_key_env: UPSTREAM_KEY, region: us, registration: GPT-FILING-1 }
              - { id: an, provider: anthropic, base_url: {{emu}}, api_key_env: UPSTREAM_KEY }
              - { id: ge, provider: gemini, base_url: {{emu}}, api_key_env: UPSTREAM_KEY }
              - { id: liar, provider: openai, base_url: {{emu}}/x/report_model=gpt-4o-mini/v1, api_key_env: UPSTREAM_KEY }
              - { id: broken, provider: openai, base_url: {{emu}}/x/status=500/v1, api_key_env: UPSTREAM_KEY }
              - { id: broken-first, provider: openai, base_url: {{emu}}/x/status=500/v1, api_key_env: UPSTREAM_KEY, region: eu }
              - { id: cut, provider: openai, base_url: {{emu}}/x/disconnect_after=4;tokens=40/v1, api_key_env: UPSTREAM_KEY }
              - id: slow
                provider: openai
                base_url: {{emu}}/x/latency_ms=5000/v1
                api_key_env: UPSTREAM_KEY
                timeouts: { first_byte: 300ms }
              - { id: trickle, provider: openai, base_url: {{emu}}/x/chunk_ms=200;tokens=200/v1, api_key_env: UPSTREAM_KEY }
              - { id: inflate, provider: openai, base_url: {{emu}}/x/inflate_usage=400;tokens=100/v1, api_key_env: UPSTREAM_KEY }
              - { id: oa400, provider: openai, base_url: {{emu}}/x/status=400/v1, api_key_env: UPSTREAM_KEY }
              - { id: an500, provider: anthropic, base_url: {{emu}}/x/status=500, api_key_env: UPSTREAM_KEY }
              - { id: an400, provider: anthropic, base_url: {{emu}}/x/status=400, api_key_env: UPSTREAM_KEY }
              - { id: ge503, provider: gemini, base_url: {{emu}}/x/status=503, api_key_env: UPSTREAM_KEY }
              - { id: ge400, provider: gemini, base_url: {{emu}}/x/status=400, api_key_env: UPSTREAM_KEY }
              - { id: an-trickle, provider: anthropic, base_url: {{emu}}/x/chunk_ms=200;tokens=200, api_key_env: UPSTREAM_KEY }
              - { id: az, provider: azure, base_url: {{emu}}, api_key_env: UPSTREAM_KEY }
              - { id: ge-trickle, provider: gemini, base_url: {{emu}}/x/chunk_ms=200;tokens=200, api_key_env: UPSTREAM_KEY }
            models:
              - { name: m-openai, deployments: [{ channel: oa, model: gpt-4o-mini }] }
              - { name: m-anthropic, deployments: [{ channel: an, model: claude-sonnet-4-5 }] }
              - { name: m-gemini, deployments: [{ channel: ge, model: gemini-2.5-flash }] }
              - { name: m-liar, deployments: [{ channel: liar, model: gpt-4o }] }
              - { name: m-500, deployments: [{ channel: broken, model: gpt-4o }] }
              - { name: m-failover, deployments: [{ channel: broken-first, model: gpt-4o, priority: 0 }, { channel: oa, model: gpt-4o-mini, priority: 1 }] }
              - { name: m-cut, deployments: [{ channel: cut, model: gpt-4o }] }
              - { name: m-slow, deployments: [{ channel: slow, model: gpt-4o }] }
              - { name: m-trickle, deployments: [{ channel: trickle, model: gpt-4o }] }
              - { name: m-inflate, deployments: [{ channel: inflate, model: gpt-4o }] }
              - { name: m-embed, deployments: [{ channel: oa, model: text-embedding-3-small }] }
              - { name: m-embed-gemini, deployments: [{ channel: ge, model: text-embedding-004 }] }
              - { name: m-embed-400, deployments: [{ channel: oa400, model: text-embedding-3-small }] }
              - { name: m-embed-500, deployments: [{ channel: broken, model: text-embedding-3-small }] }
              - { name: m-an500, deployments: [{ channel: an500, model: claude-sonnet-4-5 }] }
              - { name: m-an400, deployments: [{ channel: an400, model: claude-sonnet-4-5 }] }
              - { name: m-ge503, deployments: [{ channel: ge503, model: gemini-2.5-flash }] }
              - { name: m-ge400, deployments: [{ channel: ge400, model: gemini-2.5-flash }] }
              - { name: m-an-trickle, deployments: [{ channel: an-trickle, model: claude-sonnet-4-5 }] }
              - { name: m-azure-honest, deployments: [{ channel: az, model: gpt-4o-mini, served_model: gpt-4o-mini }] }
              - { name: m-azure-sub, deployments: [{ channel: az, model: gpt-4o-mini, served_model: gpt-4o }] }
              - { name: m-azure-undeclared, deployments: [{ channel: az, model: gpt-4o-mini }] }
              - { name: m-ge-trickle, deployments: [{ channel: ge-trickle, model: gemini-2.5-flash }] }
            keys:
              - { name: alice, key_env: ALICE_KEY }
              - { name: bob, key_env: BOB_KEY }
            """)
        .StartAsync();

    public HttpClient CreateClient(string key) => _host!.CreateClient(key);

    /// <summary>The merge delay of the log receipts go to (receipts state it).</summary>
    public TimeSpan MaxMergeDelay => _host!.Service<ITransparencyLog>().MaxMergeDelay;

    /// <summary>The RFC 6962 leaf hash at <paramref name="index"/> of the log receipts go to: the in-memory log's entry,
    /// or on PostgreSQL the shared log's leaf once a published checkpoint covers it.</summary>
    public async Task<byte[]> LeafHashAsync(long index, CancellationToken ct)
    {
        if (!PostgresTestDatabase.Selected)
        {
            return TreeHash.Leaf(Log.Entries[(int)index]);
        }

        var published = _host!.Service<IPublishedLog>();
        while (published.Size <= index)
        {
            await Task.Delay(50, ct);
        }

        return published.LeafHash(index);
    }

    /// <summary>A stored key of a new account with money on it.</summary>
    public async Task<string> CreateStoredKeyAsync(CancellationToken ct)
    {
        var account = await Store.CreateAccountAsync("receipts", Account.DefaultGroup, ct);
        await Store.TopUpAsync(account.Id, 10_000_000, "test", ct);
        var key = await Store.CreateKeyAsync(account.Id, "k", ApiKeyLimits.None, isOperator: false, ct);
        await _host!.Service<ApiKeyCache>().RefreshAsync(ct);
        return key!.PlaintextKey;
    }

    /// <summary>How many stored receipts name <paramref name="requestId"/>, read straight from the database file.</summary>
    public async Task<long> CountReceiptsAsync(string requestId)
    {
        if (Postgres is { } pg)
        {
            return (long)(await pg.ExecuteAsync("SELECT COUNT(*) FROM receipts WHERE convert_from(body, 'UTF8') LIKE @pattern", CancellationToken.None,
                ("pattern", "%\"request_id\":\"" + requestId + "\"%")))!;
        }

        await using var connection = new SqliteConnection($"Data Source={DatabasePath};Mode=ReadOnly;Pooling=False");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM receipts WHERE CAST(body AS TEXT) LIKE @pattern";
        command.Parameters.AddWithValue("@pattern", "%\"request_id\":\"" + requestId + "\"%");
        return (long)(await command.ExecuteScalarAsync())!;
    }

    public async Task DisposeAsync()
    {
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }
    }
}
