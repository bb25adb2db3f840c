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

    /// <summary>A key's record; the caller closes the object (so a creation response can add the plaintext).</summary>
    public static void KeyFields(Utf8JsonWriter w, ApiKeyRecord k)
    {
        w.WriteStartObject();
        w.WriteString("id", k.Id);
        w.WriteString("account", k.AccountId);
        w.WriteString("name", k.Name);
        w.WriteString("prefix", k.DisplayPrefix);
        w.WriteBoolean("operator", k.IsOperator);
        Time(w, "created_at", k.CreatedAt);
        if (k.ExpiresAt is { } expires)
        {
            Time(w, "expires_at", expires);
        }

        if (k.RevokedAt is { } revoked)
        {
            Time(w, "revoked_at", revoked);
        }

        Strings(w, "allowed_models", k.AllowedModels);
        Strings(w, "allowed_cidrs", k.AllowedCidrs);
        Number(w, "budget_micros", k.BudgetMicros);
        Number(w, "rpm_limit", k.RpmLimit);
        Number(w, "tpm_limit", k.TpmLimit);
        Number(w, "concurrency_limit", k.ConcurrencyLimit);
    }

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

    /// <summary>ISO-8601 in UTC with a <c>Z</c> suffix.</summary>
    public static void Time(Utf8JsonWriter w, string name, DateTimeOffset value) => w.WriteString(name, value.UtcDateTime);

    /// <summary>Writes <c>"name":["…",…]</c>.</summary>
    public static void Strings(Utf8JsonWriter w, string name, IEnumerable<string> values)
    {
        w.WriteStartArray(name);
        foreach (var v in values)
        {
            w.WriteStringValue(v);
        }

        w.WriteEndArray();
    }

    private static void Number(Utf8JsonWriter w, string name, long? value)
    {
        if (value is { } v)
        {
            w.WriteNumber(name, v);
        }
    }
}
