using System.Diagnostics;
using System.Net;
using Candor.Core.Accounts;
using Candor.Core.Receipts;
using Candor.FunctionalTests.Infrastructure;
using Microsoft.Data.Sqlite;

namespace Candor.FunctionalTests.Billing;

/// <summary>The settlement and the receipt are one durable write (docs/fail-closed.md): with the store failing at that
/// write (an injected fault: the receipts table refuses rows, through a trigger another connection creates), neither the
/// usage record nor the receipt is stored, the client gets the surface's error (503 before the first byte, the error
/// event after it), and the admission record stays for crash recovery; on the normal path both are stored.</summary>
public sealed class JointSettlementFaultTests
{
    [Fact]
    public async Task ReceiptWriteFails_NoUsageNoReceipt_ClientGetsTheError_AdmissionKept_NormalPathStoresBoth()
    {
        var ct = Json.Timeout(180);
        var host = new BillingHost();
        await host.InitializeAsync();
        try
        {
            var account = await host.CreateAccountAsync(100_000_000, ct);
            var key = await host.CreateKeyAsync(account.Id, ApiKeyLimits.None, ct);
            using var client = host.CreateClient(key.PlaintextKey);
            foreach (var c in new[] { StoreFailureTests.Cases[0], StoreFailureTests.Cases[1], StoreFailureTests.Cases[3] })
            {
                // Normal path: the answer completes with its usage record and its receipt.
                var healthy = await SendAsync(client, c, ct);
                Assert.True(healthy.Status == HttpStatusCode.OK && !healthy.Body.Contains("\"error\"", StringComparison.Ordinal), $"{c.Name}: {(int)healthy.Status} {healthy.Body}");
                Assert.NotNull(await host.Store.GetUsageAsync(account.Id, healthy.RequestId, ct));
                Assert.NotNull(await host.Store.GetAsync(healthy.ReceiptId!, ct));
                Assert.False(await IsAdmittedAsync(host, healthy.RequestId, ct));

                // The store fails at the joint write: nothing of it is stored, and the answer does not complete.
                await FailReceiptsAsync(host, ct);
                var failed = await SendAsync(client, c, ct);
                if (c.Stream)
                {
                    Assert.Equal(HttpStatusCode.OK, failed.Status);
                    Assert.Contains("\"error\"", failed.Body, StringComparison.Ordinal);
                    Assert.DoesNotContain("[DONE]", failed.Body, StringComparison.Ordinal);
                    Assert.DoesNotContain("message_stop", failed.Body, StringComparison.Ordinal);
                }
                else
                {
                    Assert.Equal(HttpStatusCode.ServiceUnavailable, failed.Status);
                    Assert.Contains("store_unavailable", failed.Body, StringComparison.Ordinal);
                    Assert.Null(failed.ReceiptId);
                }

                Assert.Null(await host.Store.GetUsageAsync(account.Id, failed.RequestId, ct));
                if (failed.ReceiptId is { } id)
                {
                    Assert.Null(await host.Store.GetAsync(id, ct));
                }

                // The admission record stays: the next start records the request as interrupted, with its receipt.
                Assert.True(await IsAdmittedAsync(host, failed.RequestId, ct));

                await HealReceiptsAsync(host, ct);
                await WaitRecoveredAsync(client, ct);
            }
        }
        finally
        {
            await host.DisposeAsync();
        }
    }

    [Fact]
    public async Task ClientLeavesMidStream_WhileTheJointWriteFails_NoUsageRecordWithoutItsReceipt_AdmissionKept()
    {
        // A request that ends without completing settles and seals in the relay's final step (RelayReceipts.EndAsync):
        // one write there too, so a store that refuses the receipt leaves no cancelled usage record without it.
        var ct = Json.Timeout(60);
        var host = new BillingHost();
        await host.InitializeAsync();
        try
        {
            var account = await host.CreateAccountAsync(100_000_000, ct);
            var key = await host.CreateKeyAsync(account.Id, ApiKeyLimits.None, ct);
            await FailReceiptsAsync(host, ct);
            string requestId;
            using (var client = host.CreateClient(key.PlaintextKey))
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
                {
                    Content = Json.Body("""{"model":"m-slow","messages":[{"role":"user","content":"Tell me a story"}],"stream":true,"max_tokens":500}"""),
                };
                using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
                requestId = response.Headers.GetValues("x-request-id").Single();
                int seen = 0;
                await foreach (var _ in Sse.ReadAsync(response, ct))
                {
                    if (++seen == 3)
                    {
                        break;
                    }
                }
            }

            // The joint write was tried and failed (event 2200 names the request), and stored nothing.
            var deadline = Stopwatch.GetTimestamp() + (Stopwatch.Frequency * 20);
            while (!host.Logs.Lines.Any(l => l.Contains($"of request {requestId} was not stored", StringComparison.Ordinal)))
            {
                Assert.True(Stopwatch.GetTimestamp() < deadline, "the cancelled request's settlement was never attempted");
                await Task.Delay(50, ct);
            }

            Assert.Null(await host.Store.GetUsageAsync(account.Id, requestId, ct));
            Assert.True(await IsAdmittedAsync(host, requestId, ct));
            await HealReceiptsAsync(host, ct);
        }
        finally
        {
            await host.DisposeAsync();
        }
    }

    private sealed record Seen(HttpStatusCode Status, string RequestId, string? ReceiptId, string Body);

    private static async Task<Seen> SendAsync(HttpClient client, StoreFailureTests.Case c, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, c.Path) { Content = Json.Body(c.Body) };
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
        string body = await response.Content.ReadAsStringAsync(ct);
        string? receipt = response.Headers.TryGetValues(ReceiptService.Header, out var r) ? r.Single() : null;
        return new Seen(response.StatusCode, response.Headers.GetValues("x-request-id").Single(), receipt, body);
    }

    private static async Task WaitRecoveredAsync(HttpClient client, CancellationToken ct)
    {
        var deadline = Stopwatch.GetTimestamp() + (Stopwatch.Frequency * 20);
        while (true)
        {
            var seen = await SendAsync(client, StoreFailureTests.Cases[0], ct);
            if (seen.Status == HttpStatusCode.OK)
            {
                return;
            }

            Assert.True(Stopwatch.GetTimestamp() < deadline, $"the store did not recover: {(int)seen.Status} {seen.Body}");
            await Task.Delay(250, ct);
        }
    }

    /// <summary>The injected fault: the receipts table refuses every row (a trigger created through another connection).</summary>
    private static Task FailReceiptsAsync(BillingHost host, CancellationToken ct) => host.Postgres is { } pg
        ? pg.ExecuteAsync("""
            CREATE FUNCTION fail_receipts() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'injected store fault'; END $$;
            CREATE TRIGGER fail_receipts BEFORE INSERT ON receipts FOR EACH ROW EXECUTE FUNCTION fail_receipts()
            """, ct)
        : ExecuteAsync(host, "CREATE TRIGGER fail_receipts BEFORE INSERT ON receipts BEGIN SELECT RAISE(ABORT, 'injected store fault'); END", ct);

    private static Task HealReceiptsAsync(BillingHost host, CancellationToken ct) => host.Postgres is { } pg
        ? pg.ExecuteAsync("DROP TRIGGER fail_receipts ON receipts; DROP FUNCTION fail_receipts()", ct)
        : ExecuteAsync(host, "DROP TRIGGER fail_receipts", ct);

    private static async Task<bool> IsAdmittedAsync(BillingHost host, string requestId, CancellationToken ct)
    {
        if (host.Postgres is { } pg)
        {
            return (long)(await pg.ExecuteAsync("SELECT COUNT(*) FROM admitted_requests WHERE request_id = @id", ct, ("id", requestId)))! > 0;
        }

        await using var c = new SqliteConnection($"Data Source={host.Store.DatabasePath};Pooling=False;Mode=ReadOnly");
        await c.OpenAsync(ct);
        await using var select = c.CreateCommand();
        select.CommandText = "SELECT COUNT(*) FROM admitted_requests WHERE request_id = @id";
        select.Parameters.AddWithValue("@id", requestId);
        return (long)(await select.ExecuteScalarAsync(ct))! > 0;
    }

    private static async Task ExecuteAsync(BillingHost host, string sql, CancellationToken ct)
    {
        await using var c = new SqliteConnection($"Data Source={host.Store.DatabasePath};Pooling=False");
        await c.OpenAsync(ct);
        await using var command = c.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync(ct);
    }
}
