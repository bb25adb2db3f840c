using System.Diagnostics;
using System.Globalization;
using System.Net;
using Candor.Core.Accounts;
using Candor.Core.Admission;
using Candor.FunctionalTests.Infrastructure;
using Candor.FunctionalTests.ScaleOut;
using Candor.Storage;

namespace Candor.FunctionalTests.Billing;

/// <summary>A settlement that commits after the request stopped waiting for it (<see cref="StoreHealth.WriteTimeout"/>,
/// 5 s): the client was refused the answer (503 <c>store_unavailable</c>, or a stream's error event), so it must not be
/// charged (docs/fail-closed.md, "A settlement that commits too late"). The node resolves each withheld request once the
/// store answers: the charge that committed too late is refunded with a ledger entry naming the request. The assertion is
/// zero charged-but-refused requests: every refused request's ledger entries sum to 0, every delivered answer is charged
/// what its header says, and the balance, the key's spend and the ledger agree. On SQLite the commit is delayed by a ledger
/// store that starts the write 6 s late; on PostgreSQL by a trigger that sleeps 6 s inside the settlement's transaction.</summary>
public sealed class LateSettlementTests
{
    private static readonly TimeSpan Late = StoreHealth.WriteTimeout + TimeSpan.FromSeconds(1);

    [Fact]
    public async Task SettlementCommitsAfterTheWait_RefusedClientsRefunded_ZeroChargedButRefused()
    {
        var ct = Json.Timeout(150);
        LateLedger? ledger = null;
        await using var host = await ForwardingLedger.Host("candor-late-", store => ledger = new LateLedger(store))
            .StartAsync(ct);
        var store = host.Service<RelationalStore>();
        var account = await store.CreateAccountAsync("late", Account.DefaultGroup, ct);
        await store.TopUpAsync(account.Id, 100_000_000, "test", ct);
        var key = (await store.CreateKeyAsync(account.Id, "k", ApiKeyLimits.None, isOperator: false, ct))!;
        await host.Service<ApiKeyCache>().RefreshAsync(ct);
        using var client = host.CreateClient(key.PlaintextKey);

        // Two requests whose settlements commit after the 5 s wait: the whole answer is refused with 503, the stream ends
        // with an error event instead of [DONE].
        ledger!.Delay = Late;
        var refused = await Task.WhenAll(SendAsync(client, stream: false, ct), SendAsync(client, stream: true, ct));
        ledger.Delay = null;
        Assert.True(refused[0].Status == HttpStatusCode.ServiceUnavailable && refused[0].Body.Contains("store_unavailable", StringComparison.Ordinal),
            $"{(int)refused[0].Status} {refused[0].Body}");
        Assert.Contains("\"error\"", refused[1].Body, StringComparison.Ordinal);
        Assert.DoesNotContain("[DONE]", refused[1].Body, StringComparison.Ordinal);

        var delivered = await SendUntilServedAsync(client, ct);
        await AssertNoneChargedButRefusedAsync(store, account.Id, key.Record.Id, refused.Select(static r => r.RequestId), delivered, ct);
        Assert.Contains(host.Logs.Lines, static l => l.Contains("[2471]", StringComparison.Ordinal));
    }

    [PostgresFact]
    public async Task SettlementCommitsInPostgresAfterTheWait_RefusedClientRefunded_NothingLeftHeld()
    {
        var ct = Json.Timeout(150);
        await using var cluster = await SharedStoreNodes.StartAsync(1, ct);
        var store = cluster.Store;
        var account = await store.CreateAccountAsync("late", Account.DefaultGroup, ct);
        await store.TopUpAsync(account.Id, 100_000_000, "test", ct);
        var key = await cluster.CreateKeyAsync(account.Id, ApiKeyLimits.None, ct);
        using var client = cluster.Nodes[0].CreateClient(key.PlaintextKey);

        // The settlement's transaction sleeps past the wait inside PostgreSQL, then commits.
        await cluster.ExecuteAsync(string.Create(CultureInfo.InvariantCulture, $"""
            CREATE FUNCTION slow_settlement() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_sleep({Late.TotalSeconds}); RETURN NEW; END $$;
            CREATE TRIGGER slow_settlement BEFORE INSERT ON usage_records FOR EACH ROW WHEN (NEW.outcome <> 'interrupted') EXECUTE FUNCTION slow_settlement()
            """), ct);
        var refused = await SendAsync(client, stream: false, ct);
        await cluster.ExecuteAsync("DROP TRIGGER slow_settlement ON usage_records; DROP FUNCTION slow_settlement()", ct);
        Assert.True(refused.Status == HttpStatusCode.ServiceUnavailable && refused.Body.Contains("store_unavailable", StringComparison.Ordinal),
            $"{(int)refused.Status} {refused.Body}");

        var delivered = await SendUntilServedAsync(client, ct);
        await AssertNoneChargedButRefusedAsync(store, account.Id, key.Record.Id, [refused.RequestId], delivered, ct);
        Assert.Equal((0L, 0L), await store.ReservedAsync(account.Id, key.Record.Id, ct));
        Assert.Equal((0L, 0L), await store.HeldByNodeAsync(ct));
    }

    private sealed record Seen(HttpStatusCode Status, string RequestId, string Body, long? Charge);

    private static async Task<Seen> SendAsync(HttpClient client, bool stream, CancellationToken ct)
    {
        string flag = stream ? "true" : "false";
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
        {
            Content = Json.Body($$"""{"model":"m-openai","messages":[{"role":"user","content":"Hello there"}],"stream":{{flag}}}"""),
        };
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
        string body = await response.Content.ReadAsStringAsync(ct);
        long? charge = response.Headers.TryGetValues("x-candor-charge-micros", out var c) ? long.Parse(c.Single(), CultureInfo.InvariantCulture) : null;
        return new Seen(response.StatusCode, response.Headers.GetValues("x-request-id").Single(), body, charge);
    }

    /// <summary>A normal request once the store takes writes again (its probe reopens admission within seconds).</summary>
    private static async Task<Seen> SendUntilServedAsync(HttpClient client, CancellationToken ct)
    {
        var deadline = Stopwatch.GetTimestamp() + (Stopwatch.Frequency * 30);
        while (true)
        {
            var seen = await SendAsync(client, stream: false, ct);
            if (seen.Status == HttpStatusCode.OK)
            {
                return seen;
            }

            Assert.True(Stopwatch.GetTimestamp() < deadline, $"the store did not take writes again: {(int)seen.Status} {seen.Body}");
            await Task.Delay(250, ct);
        }
    }

    /// <summary>Waits until every refused request's late charge is refunded, then checks the books: each refused request's
    /// ledger entries sum to 0 (its usage record committed with a charge, then a refund naming it), the delivered answer
    /// is charged what its header said, and balance, key spend and ledger agree.</summary>
    private static async Task AssertNoneChargedButRefusedAsync(
        RelationalStore store, string accountId, string keyId, IEnumerable<string> refused, Seen delivered, CancellationToken ct)
    {
        var ids = refused.ToList();
        var deadline = Stopwatch.GetTimestamp() + (Stopwatch.Frequency * 60);
        IReadOnlyList<LedgerEntry> ledger;
        while (true)
        {
            ledger = (await store.ListLedgerAsync(accountId, 100, null, ct)).Items;
            if (ids.All(id => ledger.Any(e => e.RequestId == id && e.Kind == LedgerKind.Refund)))
            {
                break;
            }

            Assert.True(Stopwatch.GetTimestamp() < deadline, "a late charge of a refused request was not refunded");
            await Task.Delay(250, ct);
        }

        foreach (string id in ids)
        {
            var usage = await store.GetUsageAsync(accountId, id, ct);
            Assert.True(usage is { ChargeMicros: > 0 }, $"{id}: the late settlement should have committed a charge");
            Assert.Equal(0, ledger.Where(e => e.RequestId == id).Sum(static e => e.AmountMicros));
        }

        long charged = Assert.IsType<long>(delivered.Charge);
        Assert.True(charged > 0);
        Assert.Equal(-charged, ledger.Where(e => e.RequestId == delivered.RequestId).Sum(static e => e.AmountMicros));
        var summary = (await store.GetSummaryAsync(accountId, ct))!;
        Assert.Equal(100_000_000 - charged, summary.BalanceMicros);
        Assert.Equal(summary.BalanceMicros, summary.LedgerSumMicros);
        Assert.Equal(charged, await store.GetKeySpendAsync(keyId, ct));
    }

    /// <summary>The real ledger store, except that while <see cref="Delay"/> is set a settlement's write starts that much
    /// later (and then commits): the node has stopped waiting for it by then.</summary>
    private sealed class LateLedger(RelationalStore inner) : ForwardingLedger(inner)
    {
        private long _delayMs;

        public TimeSpan? Delay
        {
            get => Volatile.Read(ref _delayMs) is > 0 and var ms ? TimeSpan.FromMilliseconds(ms) : null;
            set => Volatile.Write(ref _delayMs, (long)(value?.TotalMilliseconds ?? 0));
        }

        public override Task<bool> RecordUsageAsync(UsageRecord usage, LedgerEntry? charge, Candor.Core.Receipts.StoredReceipt? receipt, CancellationToken cancellationToken) =>
            Delay is { } delay ? LateAsync(delay, usage, charge, receipt) : Inner.RecordUsageAsync(usage, charge, receipt, cancellationToken);

        private async Task<bool> LateAsync(TimeSpan delay, UsageRecord usage, LedgerEntry? charge, Candor.Core.Receipts.StoredReceipt? receipt)
        {
            await Task.Delay(delay);
            return await Inner.RecordUsageAsync(usage, charge, receipt, CancellationToken.None);
        }

        public override Task<bool> RecordUsageAsync(UsageRecord usage, LedgerEntry? charge, CancellationToken cancellationToken) =>
            RecordUsageAsync(usage, charge, null, cancellationToken);
    }
}
