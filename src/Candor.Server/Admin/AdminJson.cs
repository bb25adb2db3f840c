using System.Text.Json;
using Candor.Core.Accounting;
using Candor.Core.Accounts;

namespace Candor.Server.Admin;

/// <summary>The admin API's resource shapes, written with <see cref="Utf8JsonWriter"/>. Field names follow the
/// CLI's output (<c>candor accounts list</c>, <c>candor keys list</c>); money is integer micro-USD; timestamps are
/// ISO-8601 UTC; optional fields are omitted when not set.</summary>
internal static class AdminJson
{
    public static void Account(Utf8JsonWriter w, Account a, long balanceMicros)
    {
        w.WriteStartObject();
        w.WriteString("id", a.Id);
        w.WriteString("name", a.Name);
        w.WriteString("group", a.Group);
        w.WriteBoolean("disabled", a.Disabled);
        w.WriteNumber("balance_micros", balanceMicros);
        Time(w, "created_at", a.CreatedAt);
        w.WriteEndObject();
    }

    public static void Member(Utf8JsonWriter w, Member m)
    {
        w.WriteStartObject();
        w.WriteString("account", m.AccountId);
        w.WriteString("principal", m.Principal);
        w.WriteString("role", RoleName(m.Role));
        w.WriteEndObject();
    }

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

    public static void Key(Utf8JsonWriter w, ApiKeyRecord k)
    {
        KeyFields(w, k);
        w.WriteEndObject();
    }

    /// <summary>The answer to a top-up: the ledger entry, the amount and the new balance.</summary>
    public static void TopUp(Utf8JsonWriter w, LedgerEntry entry, long balanceMicros)
    {
        w.WriteStartObject();
        w.WriteString("ledger_entry", entry.Id);
        w.WriteString("account", entry.AccountId);
        w.WriteNumber("amount_micros", entry.AmountMicros);
        w.WriteNumber("balance_micros", balanceMicros);
        w.WriteEndObject();
    }

    public static void Ledger(Utf8JsonWriter w, LedgerEntry e)
    {
        w.WriteStartObject();
        w.WriteString("id", e.Id);
        w.WriteString("account", e.AccountId);
        w.WriteString("kind", e.Kind switch
        {
            LedgerKind.TopUp => "top_up",
            LedgerKind.Charge => "charge",
            LedgerKind.Refund => "refund",
            _ => "adjustment",
        });
        w.WriteNumber("amount_micros", e.AmountMicros);
        if (e.KeyId is not null)
        {
            w.WriteString("key_id", e.KeyId);
        }

        if (e.RequestId is not null)
        {
            w.WriteString("request_id", e.RequestId);
        }

        w.WriteString("note", e.Note);
        Time(w, "created_at", e.CreatedAt);
        w.WriteEndObject();
    }

    public static void Usage(Utf8JsonWriter w, UsageRecord u)
    {
        w.WriteStartObject();
        w.WriteString("request_id", u.RequestId);
        w.WriteString("account", u.AccountId);
        w.WriteString("key_id", u.KeyId);
        Time(w, "created_at", u.CreatedAt);
        w.WriteString("surface", u.Surface);
        w.WriteString("requested_model", u.RequestedModel);
        w.WriteString("upstream_model", u.UpstreamModel);
        if (u.ReportedModel is not null)
        {
            w.WriteString("reported_model", u.ReportedModel);
        }

        if (u.ChannelId is not null)
        {
            w.WriteString("channel", u.ChannelId);
        }

        w.WriteString("outcome", OutcomeName(u.Outcome));
        Number(w, "reported_input_tokens", u.ReportedInputTokens);
        Number(w, "reported_output_tokens", u.ReportedOutputTokens);
        Number(w, "reported_cached_input_tokens", u.ReportedCachedInputTokens);
        Number(w, "reported_cache_write_tokens", u.ReportedCacheWriteTokens);
        Number(w, "reported_reasoning_tokens", u.ReportedReasoningTokens);
        Number(w, "reported_total_tokens", u.ReportedTotalTokens);
        Number(w, "counted_input_tokens", u.CountedInputTokens);
        Number(w, "counted_output_tokens", u.CountedOutputTokens);
        w.WriteString("billed_source", u.BilledSource switch
        {
            BilledSource.Upstream => "upstream",
            BilledSource.Candor => "candor",
            _ => "none",
        });
        w.WriteNumber("charge_micros", u.ChargeMicros);
        w.WriteNumber("duration_ms", u.DurationMs);
        w.WriteEndObject();
    }

    /// <summary>One effective price: the model, the channel (omitted for the model's own price), its layer
    /// (<c>default</c>, <c>file</c>, <c>override</c>), the six figures in micros and the model's aliases.</summary>
    public static void Price(Utf8JsonWriter w, PriceListing row)
    {
        w.WriteStartObject();
        w.WriteString("model", row.Model);
        if (row.Channel is not null)
        {
            w.WriteString("channel", row.Channel);
        }

        w.WriteString("source", SourceName(row.Source));
        var p = row.Price;
        w.WriteNumber("input_per_million_micros", p.InputPerMillion);
        w.WriteNumber("output_per_million_micros", p.OutputPerMillion);
        w.WriteNumber("cached_input_per_million_micros", p.CachedInputPerMillion);
        w.WriteNumber("cache_write_per_million_micros", p.CacheWritePerMillion);
        w.WriteNumber("reasoning_per_million_micros", p.ReasoningPerMillion);
        w.WriteNumber("per_request_micros", p.PerRequest);
        if (row.Aliases.Count > 0)
        {
            Strings(w, "aliases", row.Aliases);
        }

        w.WriteEndObject();
    }

    /// <summary>An account group's multiplier: exact parts per million and the same as decimal text.</summary>
    public static void Group(Utf8JsonWriter w, string group, PriceMultiplier multiplier, PriceSource source)
    {
        w.WriteStartObject();
        w.WriteString("group", group);
        w.WriteNumber("multiplier_ppm", multiplier.PartsPerMillion);
        w.WriteString("multiplier", Micros.Format(multiplier.PartsPerMillion));
        w.WriteString("source", SourceName(source));
        w.WriteEndObject();
    }

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
