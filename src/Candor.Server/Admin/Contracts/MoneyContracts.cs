using Candor.Core.Accounts;

namespace Candor.Server.Admin.Contracts;

/// <summary>An account's balance in micro-USD.</summary>
internal sealed record BalanceView(string Account, long BalanceMicros);

/// <summary>The body of <c>POST /accounts/{accountId}/top-ups</c>: exactly one of <c>amount_micros</c> (an integer)
/// and <c>amount_usd</c> (a decimal string with at most six decimals, e.g. "12.50").</summary>
internal sealed record TopUpRequest(long? AmountMicros = null, string? AmountUsd = null, string? Note = null);

/// <summary>The answer to a top-up: the ledger entry, the amount and the new balance.</summary>
internal sealed record TopUpView(string LedgerEntry, string Account, long AmountMicros, long BalanceMicros)
{
    public static TopUpView From(LedgerEntry entry, long balanceMicros) => new(entry.Id, entry.AccountId, entry.AmountMicros, balanceMicros);
}

/// <summary>One ledger entry; <c>kind</c> is <c>top_up</c>, <c>charge</c>, <c>refund</c> or <c>adjustment</c>.</summary>
internal sealed record LedgerEntryView
{
    public required string Id { get; init; }

    public required string Account { get; init; }

    public required string Kind { get; init; }

    public required long AmountMicros { get; init; }

    public string? KeyId { get; init; }

    public string? RequestId { get; init; }

    public required string Note { get; init; }

    public required DateTime CreatedAt { get; init; }

    public static LedgerEntryView From(LedgerEntry e) => new()
    {
        Id = e.Id,
        Account = e.AccountId,
        Kind = e.Kind switch
        {
            LedgerKind.TopUp => "top_up",
            LedgerKind.Charge => "charge",
            LedgerKind.Refund => "refund",
            _ => "adjustment",
        },
        AmountMicros = e.AmountMicros,
        KeyId = e.KeyId,
        RequestId = e.RequestId,
        Note = e.Note,
        CreatedAt = e.CreatedAt.UtcDateTime,
    };
}

/// <summary>The usage record of one request: what the upstream reported, what Candor counted, what was billed.</summary>
internal sealed record UsageView
{
    public required string RequestId { get; init; }

    public required string Account { get; init; }

    public required string KeyId { get; init; }

    public required DateTime CreatedAt { get; init; }

    public required string Surface { get; init; }

    public required string RequestedModel { get; init; }

    public required string UpstreamModel { get; init; }

    public string? ReportedModel { get; init; }

    public string? Channel { get; init; }

    public required string Outcome { get; init; }

    public int? ReportedInputTokens { get; init; }

    public int? ReportedOutputTokens { get; init; }

    public int? ReportedCachedInputTokens { get; init; }

    public int? ReportedCacheWriteTokens { get; init; }

    public int? ReportedReasoningTokens { get; init; }

    public int? ReportedTotalTokens { get; init; }

    public int? CountedInputTokens { get; init; }

    public int? CountedOutputTokens { get; init; }

    public required string BilledSource { get; init; }

    public required long ChargeMicros { get; init; }

    public required long DurationMs { get; init; }

    public static UsageView From(UsageRecord u) => new()
    {
        RequestId = u.RequestId,
        Account = u.AccountId,
        KeyId = u.KeyId,
        CreatedAt = u.CreatedAt.UtcDateTime,
        Surface = u.Surface,
        RequestedModel = u.RequestedModel,
        UpstreamModel = u.UpstreamModel,
        ReportedModel = u.ReportedModel,
        Channel = u.ChannelId,
        Outcome = AdminJson.OutcomeName(u.Outcome),
        ReportedInputTokens = u.ReportedInputTokens,
        ReportedOutputTokens = u.ReportedOutputTokens,
        ReportedCachedInputTokens = u.ReportedCachedInputTokens,
        ReportedCacheWriteTokens = u.ReportedCacheWriteTokens,
        ReportedReasoningTokens = u.ReportedReasoningTokens,
        ReportedTotalTokens = u.ReportedTotalTokens,
        CountedInputTokens = u.CountedInputTokens,
        CountedOutputTokens = u.CountedOutputTokens,
        BilledSource = u.BilledSource switch
        {
            Candor.Core.Accounts.BilledSource.Upstream => "upstream",
            Candor.Core.Accounts.BilledSource.Candor => "candor",
            _ => "none",
        },
        ChargeMicros = u.ChargeMicros,
        DurationMs = u.DurationMs,
    };
}
