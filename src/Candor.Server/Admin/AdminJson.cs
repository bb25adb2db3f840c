using System.Text.Json;
using Candor.Core.Accounting;
using Candor.Core.Accounts;
using Candor.Server.Admin.Contracts;

namespace Candor.Server.Admin;

/// <summary>The admin API's resource shapes written into a <see cref="Utf8JsonWriter"/> from their records
/// (Admin/Contracts, <see cref="AdminJsonContext"/>) for callers that write lists item by item. Field names follow the
/// CLI's output (<c>candor accounts list</c>, <c>candor keys list</c>); money is integer micro-USD; timestamps are
/// ISO-8601 UTC; optional fields are omitted when not set.</summary>
internal static class AdminJson
{
    public static void Account(Utf8JsonWriter w, Account a, long balanceMicros) =>
        JsonSerializer.Serialize(w, AccountView.From(a, balanceMicros), AdminJsonContext.Default.AccountView);

    public static void Member(Utf8JsonWriter w, Member m) =>
        JsonSerializer.Serialize(w, MemberView.From(m), AdminJsonContext.Default.MemberView);

    /// <summary>A new key with its plaintext (the CLI's <c>candor keys create</c>; the API writes the same record).</summary>
    public static void CreatedKey(Utf8JsonWriter w, ApiKeyRecord k, string plaintext) =>
        JsonSerializer.Serialize(w, CreatedKeyView.From(k, plaintext), AdminJsonContext.Default.CreatedKeyView);

    public static void Key(Utf8JsonWriter w, ApiKeyRecord k) =>
        JsonSerializer.Serialize(w, KeyView.From(k), AdminJsonContext.Default.KeyView);

    /// <summary>The answer to a top-up: the ledger entry, the amount and the new balance.</summary>
    public static void TopUp(Utf8JsonWriter w, LedgerEntry entry, long balanceMicros) =>
        JsonSerializer.Serialize(w, TopUpView.From(entry, balanceMicros), AdminJsonContext.Default.TopUpView);

    public static void Ledger(Utf8JsonWriter w, LedgerEntry e) =>
        JsonSerializer.Serialize(w, LedgerEntryView.From(e), AdminJsonContext.Default.LedgerEntryView);

    public static void Usage(Utf8JsonWriter w, UsageRecord u) =>
        JsonSerializer.Serialize(w, UsageView.From(u), AdminJsonContext.Default.UsageView);

    /// <summary>One effective price: the model, the channel (omitted for the model's own price), its layer
    /// (<c>default</c>, <c>file</c>, <c>override</c>), the six figures in micros and the model's aliases.</summary>
    public static void Price(Utf8JsonWriter w, PriceListing row) =>
        JsonSerializer.Serialize(w, PriceView.From(row), AdminJsonContext.Default.PriceView);

    /// <summary>An account group's multiplier: exact parts per million and the same as decimal text.</summary>
    public static void Group(Utf8JsonWriter w, string group, PriceMultiplier multiplier, PriceSource source) =>
        JsonSerializer.Serialize(w, GroupMultiplierView.From(group, multiplier, source), AdminJsonContext.Default.GroupMultiplierView);

    public static string SourceName(PriceSource source) => source switch
    {
        PriceSource.Default => "default",
        PriceSource.File => "file",
        _ => "override",
    };

    public static string RoleName(AccountRole role) => role switch
    {
        AccountRole.Owner => "owner",
        AccountRole.Admin => "admin",
        AccountRole.Member => "member",
        _ => "viewer",
    };

    /// <summary>The wire name of a usage outcome.</summary>
    public static string OutcomeName(UsageOutcome outcome) => outcome switch
    {
        UsageOutcome.Complete => "complete",
        UsageOutcome.Partial => "partial",
        UsageOutcome.Failed => "failed",
        UsageOutcome.Interrupted => "interrupted",
        _ => "cancelled",
    };
}
