using System.Diagnostics;
using Candor.Core.Accounts;
using Candor.Emulator;
using Candor.FunctionalTests.Infrastructure;
using Candor.Storage;
using Microsoft.Data.Sqlite;

namespace Candor.FunctionalTests.Billing;

/// <summary>The admission record's commit skips its own fsync on SQLite (docs/fail-closed.md, "Crash"): a process killed
/// with SIGKILL right after admitting a request, with no later write to sync it, still leaves the record, and the next
/// start turns it into an <c>interrupted</c> usage record and receipt under the id the client was given.</summary>
public sealed class AdmissionCrashTests : IAsyncLifetime
{
    private EmulatorHost _emulator = null!;
    private string _dir = null!;

    public async Task InitializeAsync()
    {
        _emulator = await EmulatorHost.StartAsync(new EmulatorOptions { RequiredApiKey = "upstream-secret" });
        _dir = Directory.CreateTempSubdirectory("candor-admission-crash-").FullName;
    }

    public async Task DisposeAsync()
    {
        await _emulator.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }

    private Process StartCandor(string config, int port) =>
        CandorProcess.Start(config, port, "Warning", new Dictionary<string, string> { ["UPSTREAM_KEY"] = "upstream-secret" }, static _ => { });

    [Fact]
    public async Task KillMinus9RightAfterAdmission_IsRecoveredInterruptedAtTheNextStart()
    {
        var ct = Json.Timeout(120);
        string emu = _emulator.BaseAddress.ToString().TrimEnd('/');
        string config = Path.Combine(_dir, "candor.yaml");

        // The upstream answers after a minute: the request stays admitted, unsettled, until the kill.
        await File.WriteAllTextAsync(config, $$"""
            server:
              data_dir: data
              default_max_output_tokens: 100
            channels:
              - { id: oa, provider: openai, base_url: {{emu}}/x/ttft_ms=60000/v1, api_key_env: UPSTREAM_KEY }
            models:
              - { name: m-openai, deployments: [{ channel: oa, model: gpt-4o-mini }] }
            """, ct);

        string data = Path.Combine(_dir, "data");
        string accountId, key;
        var boot = await StoreBootstrap.InitializeAsync(data, TimeProvider.System, ct);
        using (var store = boot.Store)
        {
            var account = await store.CreateAccountAsync("crash", Account.DefaultGroup, ct);
            await store.TopUpAsync(account.Id, 100_000_000, "test", ct);
            accountId = account.Id;
            key = (await store.CreateKeyAsync(account.Id, "load", ApiKeyLimits.None, isOperator: false, ct))!.PlaintextKey;
        }

        int port = CandorProcess.FreePort();
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(90) };
        client.DefaultRequestHeaders.Authorization = new("Bearer", key);
        var candor = StartCandor(config, port);
        string requestId, receiptId;
        try
        {
            await CandorProcess.WaitHealthyAsync(client, ct);
            var pending = client.PostAsync("/v1/chat/completions",
                Json.Body("""{"model":"m-openai","stream":true,"messages":[{"role":"user","content":"go"}]}"""), ct);

            // SIGKILL as soon as the admission record is readable by another connection: committed, not yet synced.
            (string, string)? admitted;
            while ((admitted = await AdmittedAsync(Path.Combine(data, SqliteStore.DatabaseFileName), ct)) is null)
            {
                Assert.False(pending.IsCompleted, "the request ended before it was admitted");
                await Task.Delay(5, ct);
            }

            (requestId, receiptId) = admitted.Value;
            candor.Kill(entireProcessTree: true);
            await candor.WaitForExitAsync(ct);
            await Assert.ThrowsAnyAsync<Exception>(() => pending);
        }
        finally
        {
            if (!candor.HasExited)
            {
                candor.Kill(entireProcessTree: true);
            }

            candor.Dispose();
        }

        // The next start recovers it before it listens.
        var restarted = StartCandor(config, port);
        try
        {
            await CandorProcess.WaitHealthyAsync(client, ct);
        }
        finally
        {
            restarted.Kill(entireProcessTree: true);
            await restarted.WaitForExitAsync(ct);
            restarted.Dispose();
        }

        var reopened = await StoreBootstrap.InitializeAsync(data, TimeProvider.System, ct);
        using var ledger = reopened.Store;
        var usage = await ledger.GetUsageAsync(accountId, requestId, ct);
        Assert.NotNull(usage);
        Assert.Equal(UsageOutcome.Interrupted, usage.Outcome);
        Assert.Equal(0, usage.ChargeMicros);
        Assert.NotNull(await ledger.GetAsync(receiptId, ct));
    }

    /// <summary>The request id and receipt id of the one admission record, read by a separate read-only connection
    /// (null while there is none).</summary>
    private static async Task<(string, string)?> AdmittedAsync(string database, CancellationToken ct)
    {
        if (!File.Exists(database))
        {
            return null;
        }

        await using var c = new SqliteConnection($"Data Source={database};Pooling=False;Mode=ReadOnly");
        await c.OpenAsync(ct);
        await using var select = c.CreateCommand();
        select.CommandText = "SELECT request_id, receipt_id FROM admitted_requests";
        await using var reader = await select.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct) ? (reader.GetString(0), reader.GetString(1)) : null;
    }
}
