using Candor.Core.Accounts;
using Candor.FunctionalTests.Infrastructure;
using Candor.Storage;
using Microsoft.Data.Sqlite;

namespace Candor.FunctionalTests.Billing;

/// <summary>The admission record's commit skips its own fsync on SQLite (docs/fail-closed.md, "Crash"): a process killed
/// with SIGKILL right after admitting a request, with no later write to sync it, still leaves the record, and the next
/// start turns it into an <c>interrupted</c> usage record and receipt under the id the client was given.</summary>
public sealed class AdmissionCrashTests
{
    [Fact]
    public async Task KillMinus9RightAfterAdmission_IsRecoveredInterruptedAtTheNextStart()
    {
        var ct = Json.Timeout(120);

        // The upstream answers after a minute: the request stays admitted, unsettled, until the kill.
        await using var rig = await CrashRig.StartAsync("candor-admission-crash-", "x/ttft_ms=60000/v1", ct);
        using var client = rig.Client(TimeSpan.FromSeconds(90));
        var candor = rig.StartCandor();
        string requestId, receiptId;
        try
        {
            await CandorProcess.WaitHealthyAsync(client, ct);
            var pending = client.PostAsync("/v1/chat/completions",
                Json.Body("""{"model":"m-openai","stream":true,"messages":[{"role":"user","content":"go"}]}"""), ct);

            // SIGKILL as soon as the admission record is readable by another connection: committed, not yet synced.
            (string, string)? admitted;
            while ((admitted = await AdmittedAsync(Path.Combine(rig.DataDirectory, SqliteStore.DatabaseFileName), ct)) is null)
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
            CrashRig.Stop(candor);
        }

        // The next start recovers it before it listens.
        await rig.RestartAsync(client, static () => Task.CompletedTask, ct);

        using var ledger = await rig.OpenStoreAsync(ct);
        var usage = await ledger.GetUsageAsync(rig.AccountId, requestId, ct);
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
