using System.Security.Cryptography;
using Candor.Core.Accounts;
using Candor.FunctionalTests.Infrastructure;
using Candor.Storage;
using Npgsql;

namespace Candor.FunctionalTests.ScaleOut;

/// <summary>Several Candor servers in this process sharing one PostgreSQL schema (a fresh one of the database named by
/// <c>CANDOR_TEST_POSTGRES</c>), as the nodes of one installation: the same server secret, each its own data directory and
/// emulator. Accounts and keys are made through the first node's store. Disposing stops every node and drops the schema.</summary>
internal sealed class SharedStoreNodes : IAsyncDisposable
{
    public const string Variable = "CANDOR_TEST_POSTGRES";

    private readonly string _schema;
    private readonly string _baseConnection;

    private SharedStoreNodes(string baseConnection, string schema)
    {
        _baseConnection = baseConnection;
        _schema = schema;
        ConnectionString = new NpgsqlConnectionStringBuilder(baseConnection) { SearchPath = schema }.ToString();
    }

    public List<CandorTestHost> Nodes { get; } = [];

    /// <summary>The schema's connection string (first on the search path).</summary>
    public string ConnectionString { get; }

    public RelationalStore Store => Nodes[0].Service<RelationalStore>();

    /// <summary>Starts <paramref name="count"/> nodes one after the other (the first creates the schema's tables).</summary>
    public static async Task<SharedStoreNodes> StartAsync(int count, CancellationToken ct)
    {
        string connection = Environment.GetEnvironmentVariable(Variable)
            ?? throw new InvalidOperationException($"{Variable} is not set (.ci/run sets it)");
        var nodes = new SharedStoreNodes(connection, "n_" + Guid.NewGuid().ToString("N"));
        await nodes.ExecuteAsync($"CREATE SCHEMA {nodes._schema}", ct);
        try
        {
            byte[] secret = RandomNumberGenerator.GetBytes(ServerSecret.Length);
            for (int i = 0; i < count; i++)
            {
                nodes.Nodes.Add(await CandorTestHost.Create()
                    .Prefix($"candor-node{i}-")
                    .CaptureLogs(Microsoft.Extensions.Logging.LogLevel.Warning)
                    .Env(PostgresEnvironment.ConnectionVariable, nodes.ConnectionString)
                    .BeforeStart(data => WriteSecret(data, secret))
                    .Yaml(emu => $$"""
                    server:
                      data_dir: data
                      default_max_output_tokens: 200
                    routing:
                      all_unhealthy: try_anyway
                    # Each node its own log: these nodes do not share keys (the platform's log is tested by
                    # SharedLogTests and the process tests in Cluster/).
                    cluster:
                      log: local
                    channels:
                      - { id: oa, provider: openai, base_url: {{emu}}/v1, api_key_env: UPSTREAM_KEY }
                    models:
                      - { name: m-openai, deployments: [{ channel: oa, model: gpt-4o-mini }] }
                    """)
                    .StartAsync(ct));
            }

            return nodes;
        }
        catch
        {
            await nodes.DisposeAsync();
            throw;
        }
    }

    /// <summary>Every node's server secret: the store refuses a node whose secret differs from the database's.</summary>
    private static void WriteSecret(string dataDirectory, byte[] secret)
    {
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(dataDirectory);
        }
        else
        {
            Directory.CreateDirectory(dataDirectory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using var file = new FileStream(Path.Combine(dataDirectory, ServerSecret.FileName), options);
        file.Write(secret);
    }

    /// <summary>A key made through the first node's store, loaded by every node's key cache.</summary>
    public async Task<CreatedApiKey> CreateKeyAsync(string accountId, ApiKeyLimits limits, CancellationToken ct)
    {
        var key = await Store.CreateKeyAsync(accountId, "k", limits, isOperator: false, ct);
        foreach (var node in Nodes)
        {
            await node.Service<ApiKeyCache>().RefreshAsync(ct);
        }

        return key!;
    }

    public async Task<object?> ExecuteAsync(string sql, CancellationToken ct)
    {
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(_baseConnection) { Pooling = false, SearchPath = _schema }.ToString());
        await connection.OpenAsync(ct);
        await using var command = new NpgsqlCommand(sql, connection);
        return await command.ExecuteScalarAsync(ct);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var node in Nodes)
        {
            await node.DisposeAsync();
        }

        await ExecuteAsync($"DROP SCHEMA {_schema} CASCADE", CancellationToken.None);
    }
}

/// <summary>A test that needs the PostgreSQL of <c>CANDOR_TEST_POSTGRES</c>: skipped (saying why) without it, never under
/// CI=true, where .ci/run starts one and a missing one fails the test.</summary>
public sealed class PostgresFactAttribute : FactAttribute
{
    public PostgresFactAttribute()
    {
        if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable(SharedStoreNodes.Variable))
            && !string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
        {
            Skip = $"needs PostgreSQL: set {SharedStoreNodes.Variable} (.ci/run does)";
        }
    }
}
