using System.Net;
using System.Text.Json;
using Candor.Core.Accounts;
using Candor.Core.Admission;
using Candor.FunctionalTests.Infrastructure;
using Candor.Storage;
using Npgsql;

namespace Candor.FunctionalTests.Billing;

/// <summary>A store that is gone (PostgreSQL stopped: every call throws <see cref="NpgsqlException"/>) at each store call
/// of a client's request in turn, the real server in front: the request fails closed with 503 <c>store_unavailable</c>
/// and Retry-After in the client's own envelope — never the bare 500 of an unhandled exception (event 1503), which a
/// request in flight when PostgreSQL stopped used to get from the first read of its account's balance.</summary>
public sealed class StoreUnavailableTests(StoreUnavailableTests.Host host) : IClassFixture<StoreUnavailableTests.Host>
{
    public static TheoryData<string, string> Cases => new()
    {
        { nameof(ILedgerStore.GetBalanceAsync), "openai" },
        { nameof(ILedgerStore.GetBalanceAsync), "anthropic" },
        { nameof(ILedgerStore.GetKeySpendAsync), "openai" },
        { nameof(ILedgerStore.RecordAdmissionAsync), "openai" },
        { nameof(ILedgerStore.RecordAdmissionAsync), "anthropic" },
        { nameof(ILedgerStore.RecordUsageAsync), "openai" },
        { nameof(ILedgerStore.RecordUsageAsync), "anthropic" },
        { nameof(ILedgerStore.GetBalanceAsync), "balance endpoint" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task StoreGoneAtOneCall_RequestGets503InItsOwnEnvelope(string call, string surface)
    {
        var ct = Json.Timeout(60);
        var health = host.Candor.Service<StoreHealth>();
        while (health.IsFailing)
        {
            // The previous case marked the store failing; its probe (on the real store) clears it.
            await Task.Delay(100, ct);
        }

        // A new account and key each time: its balance and spend are not in the book yet, so they are read.
        var store = host.Candor.Service<RelationalStore>();
        var account = await store.CreateAccountAsync("gone", Account.DefaultGroup, ct);
        await store.TopUpAsync(account.Id, 10_000_000, "test", ct);
        var key = (await store.CreateKeyAsync(account.Id, "k", ApiKeyLimits.None, isOperator: false, ct))!;
        await host.Candor.Service<ApiKeyCache>().RefreshAsync(ct);

        host.Ledger.Failing = call;
        try
        {
            using var client = host.Candor.CreateClient(key.PlaintextKey);
            using var response = surface switch
            {
                "openai" => await client.PostAsync("/v1/chat/completions", Json.Body("""{"model":"m-openai","messages":[{"role":"user","content":"x"}]}"""), ct),
                "anthropic" => await client.PostAsync("/v1/messages", Json.Body("""{"model":"m-anthropic","max_tokens":50,"messages":[{"role":"user","content":"x"}]}"""), ct),
                _ => await client.GetAsync("/v1/balance", ct),
            };
            string body = await response.Content.ReadAsStringAsync(ct);
            Assert.True(response.StatusCode == HttpStatusCode.ServiceUnavailable, $"{call} on {surface}: {(int)response.StatusCode} {body}");
            Assert.Equal(TimeSpan.FromSeconds(StoreHealth.RetryAfterSeconds), response.Headers.RetryAfter?.Delta);
            Assert.Contains("store is failing", body, StringComparison.Ordinal);
            using var json = JsonDocument.Parse(body);
            if (surface == "anthropic")
            {
                Assert.Equal("error", json.RootElement.GetProperty("type").GetString());
            }
            else
            {
                Assert.Equal("store_unavailable", json.RootElement.GetProperty("error").GetProperty("code").GetString());
            }

            Assert.DoesNotContain(host.Candor.Logs.Lines, l => l.Contains("[1503]", StringComparison.Ordinal));
        }
        finally
        {
            host.Ledger.Failing = null;
        }
    }

    /// <summary>The server with its ledger store behind <see cref="GoneLedger"/>.</summary>
    public sealed class Host : IAsyncLifetime
    {
        private CandorTestHost? _candor;

        public CandorTestHost Candor => _candor!;

        internal GoneLedger Ledger { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            _candor = await ForwardingLedger.Host("candor-gone-", store => Ledger = new GoneLedger(store), anthropic: true)
                .StartAsync();
        }

        public async Task DisposeAsync()
        {
            if (_candor is not null)
            {
                await _candor.DisposeAsync();
            }
        }
    }

    /// <summary>The real ledger store, except that the call named <see cref="Failing"/> finds PostgreSQL gone.</summary>
    internal sealed class GoneLedger(RelationalStore inner) : ForwardingLedger(inner)
    {
        public volatile string? Failing;

        public override Task<bool> RecordUsageAsync(UsageRecord usage, LedgerEntry? charge, CancellationToken cancellationToken) =>
            Gone(nameof(RecordUsageAsync)) ?? Inner.RecordUsageAsync(usage, charge, cancellationToken);

        public override Task<bool> RecordUsageAsync(UsageRecord usage, LedgerEntry? charge, Candor.Core.Receipts.StoredReceipt? receipt, CancellationToken cancellationToken) =>
            Gone(nameof(RecordUsageAsync)) ?? Inner.RecordUsageAsync(usage, charge, receipt, cancellationToken);

        public override Task RecordAdmissionAsync(UsageRecord admitted, CancellationToken cancellationToken) =>
            Gone(nameof(RecordAdmissionAsync)) ?? Inner.RecordAdmissionAsync(admitted, cancellationToken);

        public override Task RecordAdmissionAsync(UsageRecord admitted, Candor.Core.Receipts.AdmittedReceipt? receipt, CancellationToken cancellationToken) =>
            Gone(nameof(RecordAdmissionAsync)) ?? Inner.RecordAdmissionAsync(admitted, receipt, cancellationToken);

        // A store that reserves (PostgreSQL) reads the balance and the key's spend in this statement, not before it.
        public override Task<bool> TryReserveAndRecordAdmissionAsync(UsageRecord admitted, Candor.Core.Receipts.AdmittedReceipt? receipt, long reserveMicros, CancellationToken cancellationToken) =>
            Gone(nameof(RecordAdmissionAsync)) ?? Gone(nameof(GetBalanceAsync)) ?? Gone(nameof(GetKeySpendAsync))
            ?? Inner.TryReserveAndRecordAdmissionAsync(admitted, receipt, reserveMicros, cancellationToken);

        public override Task<long?> GetBalanceAsync(string accountId, CancellationToken cancellationToken) =>
            Gone<long?>(nameof(GetBalanceAsync)) ?? Inner.GetBalanceAsync(accountId, cancellationToken);

        public override Task<long> GetKeySpendAsync(string keyId, CancellationToken cancellationToken) =>
            Gone<long>(nameof(GetKeySpendAsync)) ?? Inner.GetKeySpendAsync(keyId, cancellationToken);

        private Task<bool>? Gone(string call) => Failing == call ? Task.FromException<bool>(new NpgsqlException("the server closed the connection")) : null;

        private Task<T>? Gone<T>(string call) => Failing == call ? Task.FromException<T>(new NpgsqlException("the server closed the connection")) : null;
    }
}
