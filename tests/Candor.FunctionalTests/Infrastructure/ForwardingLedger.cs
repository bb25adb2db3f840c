using Candor.Core.Accounts;
using Candor.Core.Receipts;
using Candor.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace Candor.FunctionalTests.Infrastructure;

/// <summary>The real ledger store behind a wrapper that passes every call on: tests that make one call fail or come late
/// (Billing/StoreUnavailableTests, Billing/LateSettlementTests) override only that call.</summary>
internal abstract class ForwardingLedger(RelationalStore inner) : ILedgerStore
{
    protected ILedgerStore Inner => inner;

    /// <summary>A server on a data directory whose ledger store is what <paramref name="wrap"/> makes of the real one,
    /// warnings captured: model <c>m-openai</c> on the emulator, and <c>m-anthropic</c> too when <paramref name="anthropic"/>.</summary>
    public static CandorTestHost.Builder Host(string prefix, Func<RelationalStore, ILedgerStore> wrap, bool anthropic = false) => CandorTestHost.Create()
        .Prefix(prefix)
        .CaptureLogs(Microsoft.Extensions.Logging.LogLevel.Warning)
        .Yaml(emu => $$"""
            server:
              data_dir: data
              default_max_output_tokens: 50
            channels:
              - { id: oa, provider: openai, base_url: {{emu}}/v1, api_key_env: UPSTREAM_KEY }
            {{(anthropic ? $"  - {{ id: an, provider: anthropic, base_url: {emu}, api_key_env: UPSTREAM_KEY }}" : "")}}
            models:
              - { name: m-openai, deployments: [{ channel: oa, model: gpt-4o-mini }] }
            {{(anthropic ? "  - { name: m-anthropic, deployments: [{ channel: an, model: claude-sonnet-4-5 }] }" : "")}}
            """)
        .Services(services => services.AddSingleton(sp => wrap(sp.GetRequiredService<RelationalStore>())));

    public bool ReservesInStore => Inner.ReservesInStore;

    public virtual Task<LedgerEntry?> TopUpAsync(string accountId, long amountMicros, string note, CancellationToken cancellationToken) =>
        Inner.TopUpAsync(accountId, amountMicros, note, cancellationToken);

    public virtual Task<bool> AppendAsync(LedgerEntry entry, CancellationToken cancellationToken) => Inner.AppendAsync(entry, cancellationToken);

    public virtual Task<bool> RecordUsageAsync(UsageRecord usage, LedgerEntry? charge, CancellationToken cancellationToken) =>
        Inner.RecordUsageAsync(usage, charge, cancellationToken);

    public virtual Task<bool> RecordUsageAsync(UsageRecord usage, LedgerEntry? charge, StoredReceipt? receipt, CancellationToken cancellationToken) =>
        Inner.RecordUsageAsync(usage, charge, receipt, cancellationToken);

    public virtual Task RecordAdmissionAsync(UsageRecord admitted, CancellationToken cancellationToken) =>
        Inner.RecordAdmissionAsync(admitted, cancellationToken);

    public virtual Task RecordAdmissionAsync(UsageRecord admitted, AdmittedReceipt? receipt, CancellationToken cancellationToken) =>
        Inner.RecordAdmissionAsync(admitted, receipt, cancellationToken);

    public virtual Task<bool> TryReserveAndRecordAdmissionAsync(UsageRecord admitted, AdmittedReceipt? receipt, long reserveMicros, CancellationToken cancellationToken) =>
        Inner.TryReserveAndRecordAdmissionAsync(admitted, receipt, reserveMicros, cancellationToken);

    public virtual Task<long?> GetBalanceAsync(string accountId, CancellationToken cancellationToken) => Inner.GetBalanceAsync(accountId, cancellationToken);

    public virtual Task<long> GetKeySpendAsync(string keyId, CancellationToken cancellationToken) => Inner.GetKeySpendAsync(keyId, cancellationToken);

    public Task<UsageRecord?> GetUsageAsync(string accountId, string requestId, CancellationToken cancellationToken) =>
        Inner.GetUsageAsync(accountId, requestId, cancellationToken);

    public Task<Page<UsageRecord>> ListUsageAsync(string accountId, string? keyId, int limit, string? cursor, CancellationToken cancellationToken) =>
        Inner.ListUsageAsync(accountId, keyId, limit, cursor, cancellationToken);

    public Task<Page<LedgerEntry>> ListLedgerAsync(string accountId, int limit, string? cursor, CancellationToken cancellationToken) =>
        Inner.ListLedgerAsync(accountId, limit, cursor, cancellationToken);

    public Task<LedgerSummary?> GetSummaryAsync(string accountId, CancellationToken cancellationToken) => Inner.GetSummaryAsync(accountId, cancellationToken);
}
