using Candor.Core.Accounts;
using Candor.Core.Receipts;
using Candor.FunctionalTests.Infrastructure;
using Candor.Storage;
using Npgsql;

namespace Candor.FunctionalTests.ScaleOut;

/// <summary><c>candor copy</c> end to end (docs/scale-out.md, "Moving an installation from SQLite"): a server on SQLite
/// serves requests (usage, charges, receipts), stops; the CLI copies its store into a new PostgreSQL schema and into
/// another data directory, reporting every table; a second copy into the same targets is refused; the server started
/// again on PostgreSQL serves the same key, balance and receipts.</summary>
public sealed class CopyCommandTests
{
    private const string Chat = """{"model":"m-openai","messages":[{"role":"user","content":"hi"}],"max_tokens":20}""";

    [PostgresFact]
    public async Task ServedOnSqlite_CopiedToPostgres_ServesTheSameKeyBalanceAndReceipts_SecondCopyRefused()
    {
        var ct = Json.Timeout(180);
        string directory = Path.Combine(Path.GetTempPath(), "candor-copy-" + Guid.NewGuid().ToString("N"));
        string schema = "c_" + Guid.NewGuid().ToString("N");
        string baseConnection = Environment.GetEnvironmentVariable(SharedStoreNodes.Variable) ?? throw new InvalidOperationException($"{SharedStoreNodes.Variable} is not set");
        string connection = new NpgsqlConnectionStringBuilder(baseConnection) { SearchPath = schema }.ToString();
        await ExecuteAsync(baseConnection, $"CREATE SCHEMA {schema}", ct);
        try
        {
            Directory.CreateDirectory(directory);
            string accountId, plaintext;
            long balance;
            var receiptIds = new List<string>();
            await using (var sqlite = await Builder(directory).Bootstrap().StartAsync(ct))
            {
                var store = sqlite.Service<RelationalStore>();
                Assert.IsType<SqliteStore>(store);
                var account = await store.CreateAccountAsync("moved", Account.DefaultGroup, ct);
                await store.TopUpAsync(account.Id, 1_000_000, "test", ct);
                var key = await store.CreateKeyAsync(account.Id, "k", new ApiKeyLimits { BudgetMicros = 500_000 }, isOperator: false, ct);
                await sqlite.Service<ApiKeyCache>().RefreshAsync(ct);
                using var client = sqlite.CreateClient(key!.PlaintextKey);
                for (int i = 0; i < 3; i++)
                {
                    using var response = await client.PostAsync("/v1/chat/completions", Json.Body(Chat), ct);
                    Assert.Equal(200, (int)response.StatusCode);
                    receiptIds.Add(response.Headers.GetValues(ReceiptService.Header).Single());
                }

                (accountId, plaintext) = (account.Id, key.PlaintextKey);
                balance = (await store.GetBalanceAsync(account.Id, ct))!.Value;
                Assert.True(balance < 1_000_000);
            }

            string data = Path.Combine(directory, "data");
            var (code, output, error) = await InProcessCli.RunAsync(data, "copy", "--to-postgres", connection);
            Assert.True(code == 0, error);
            foreach (string table in new[] { "accounts", "api_keys", "ledger_entries", "usage_records", "receipts", "counters" })
            {
                Assert.Contains($"{table}: ", output, StringComparison.Ordinal);
            }

            Assert.Contains("every table reads back equal", output, StringComparison.Ordinal);
            string other = Path.Combine(directory, "other-data");
            (code, output, error) = await InProcessCli.RunAsync(data, "copy", "--to-data", other);
            Assert.True(code == 0, error);
            Assert.True(File.Exists(Path.Combine(other, SqliteStore.DatabaseFileName)));

            // A second copy finds rows in either target and changes nothing.
            (code, _, error) = await InProcessCli.RunAsync(data, "copy", "--to-postgres", connection);
            Assert.NotEqual(0, code);
            Assert.Contains("not empty", error, StringComparison.Ordinal);
            (code, _, error) = await InProcessCli.RunAsync(data, "copy", "--to-data", other);
            Assert.NotEqual(0, code);
            Assert.Contains("not empty", error, StringComparison.Ordinal);

            // The same installation on PostgreSQL: the key resolves, the balance and the receipts are there.
            await using var postgres = await Builder(directory).Env(PostgresEnvironment.ConnectionVariable, connection).StartAsync(ct);
            var moved = postgres.Service<RelationalStore>();
            Assert.IsType<PostgresStore>(moved);
            Assert.Equal(balance, await moved.GetBalanceAsync(accountId, ct));
            foreach (string id in receiptIds)
            {
                Assert.NotNull(await moved.GetAsync(id, ct));
            }

            using var again = postgres.CreateClient(plaintext);
            using (var served = await again.PostAsync("/v1/chat/completions", Json.Body(Chat), ct))
            {
                Assert.Equal(200, (int)served.StatusCode);
            }

            Assert.True(await moved.GetBalanceAsync(accountId, ct) < balance);
            var summary = (await moved.GetSummaryAsync(accountId, ct))!;
            Assert.Equal(summary.BalanceMicros, summary.LedgerSumMicros);
            Assert.Equal(4, summary.UsageCount);
        }
        finally
        {
            await ExecuteAsync(baseConnection, $"DROP SCHEMA IF EXISTS {schema} CASCADE", CancellationToken.None);
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(directory, recursive: true);
        }
    }

    private static CandorTestHost.Builder Builder(string directory) => CandorTestHost.Create()
        .OnSqlite("serves on SQLite, which the CLI then copies to PostgreSQL (the later start names its own PostgreSQL)")
        .InDirectory(directory)
        .ServeData()
        .Yaml(emu => $$"""
            server:
              data_dir: data
              default_max_output_tokens: 200
            channels:
              - { id: oa, provider: openai, base_url: {{emu}}/v1, api_key_env: UPSTREAM_KEY }
            models:
              - { name: m-openai, deployments: [{ channel: oa, model: gpt-4o-mini }] }
            """);

    private static async Task ExecuteAsync(string baseConnection, string sql, CancellationToken ct)
    {
        await using var c = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(baseConnection) { Pooling = false }.ToString());
        await c.OpenAsync(ct);
        await using var command = new NpgsqlCommand(sql, c);
        await command.ExecuteNonQueryAsync(ct);
    }
}
