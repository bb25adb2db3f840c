using Candor.Core.Accounts;
using System.Data.Common;

namespace Candor.Storage.Sqlite;

/// <summary>Every statement on <c>api_keys</c>, and its row mapping. Reads join the owning account so a key
/// record carries what admission needs (the price group, the disabled flag).</summary>
internal static class ApiKeysSql
{
    private const string Select = """
        SELECT k.id, k.account_id, k.name, k.display_prefix, k.key_hash, k.created_at, k.expires_at, k.revoked_at,
               k.allowed_models, k.allowed_cidrs, k.budget_micros, k.rpm_limit, k.tpm_limit, k.concurrency_limit,
               k.is_operator, k.version, a.price_group, a.disabled
        FROM api_keys k JOIN accounts a ON a.id = k.account_id
        """;

    /// <summary>The key read with its account's fields, without a condition (<see cref="ConsoleListsSql"/> pages it).</summary>
    public const string SelectAll = Select;

    public const string Insert = """
        INSERT INTO api_keys (id, account_id, name, display_prefix, key_hash, created_at, expires_at, revoked_at,
                              allowed_models, allowed_cidrs, budget_micros, rpm_limit, tpm_limit, concurrency_limit,
                              is_operator, spent_micros, version)
        VALUES (@id, @account_id, @name, @display_prefix, @key_hash, @created_at, @expires_at, NULL,
                @allowed_models, @allowed_cidrs, @budget_micros, @rpm_limit, @tpm_limit, @concurrency_limit,
                @is_operator, 0, @version)
        """;

    public const string SelectById = $"{Select} WHERE k.id = @id AND k.account_id = @account_id";

    public const string SelectByHash = $"{Select} WHERE k.key_hash = @key_hash";

    public const string SelectByAccount = $"{Select} WHERE k.account_id = @account_id ORDER BY k.created_at DESC, k.id DESC";

    public const string SelectActive = $"""
        {Select}
        WHERE k.revoked_at IS NULL AND (k.expires_at IS NULL OR k.expires_at > @now) AND a.disabled = 0
        ORDER BY k.id
        """;

    public const string SelectChangedSince = $"{Select} WHERE k.version > @version ORDER BY k.version, k.id";

    public const string CountLiveOperatorKeys = """
        SELECT COUNT(*) FROM api_keys
        WHERE is_operator = 1 AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > @now)
        """;

    public const string Revoke = """
        UPDATE api_keys SET revoked_at = @now, version = @version
        WHERE id = @id AND account_id = @account_id AND revoked_at IS NULL
        """;

    public const string UpdateLimits = """
        UPDATE api_keys SET expires_at = @expires_at, allowed_models = @allowed_models, allowed_cidrs = @allowed_cidrs,
               budget_micros = @budget_micros, rpm_limit = @rpm_limit, tpm_limit = @tpm_limit,
               concurrency_limit = @concurrency_limit, version = @version
        WHERE id = @id AND account_id = @account_id
        """;

    public const string TouchAccountKeys = "UPDATE api_keys SET version = @version WHERE account_id = @account_id";

    public const string AddSpend = "UPDATE api_keys SET spent_micros = spent_micros + @amount WHERE id = @id";

    public const string SelectSpend = "SELECT spent_micros FROM api_keys WHERE id = @id";

    /// <summary>Reserves money against the key's stored budget atomically (see <see cref="AccountsSql.Reserve"/>): only when
    /// the budget less the spend and every reservation covers it; a key without a budget always takes it.</summary>
    public const string Reserve = """
        UPDATE api_keys SET reserved_micros = reserved_micros + @amount
        WHERE id = @id AND (budget_micros IS NULL OR budget_micros - spent_micros - reserved_micros >= @amount)
        """;

    public const string Release = "UPDATE api_keys SET reserved_micros = reserved_micros - @amount WHERE id = @id";

    /// <summary>Money held in the store on one key (tests).</summary>
    public const string SelectReserved = "SELECT reserved_micros FROM api_keys WHERE id = @id";

    public static void BindLimits(DbCommand command, ApiKeyLimits limits) => command
        .Add("@expires_at", DbValues.ToDb(limits.ExpiresAt))
        .Add("@allowed_models", DbValues.ToJsonList(limits.AllowedModels))
        .Add("@allowed_cidrs", DbValues.ToJsonList(limits.AllowedCidrs))
        .Add("@budget_micros", DbValues.ToDb(limits.BudgetMicros))
        .Add("@rpm_limit", DbValues.ToDb(limits.RpmLimit))
        .Add("@tpm_limit", DbValues.ToDb(limits.TpmLimit))
        .Add("@concurrency_limit", DbValues.ToDb(limits.ConcurrencyLimit));

    public static ApiKeyRecord Read(DbDataReader r) => new()
    {
        Id = r.GetString(0),
        AccountId = r.GetString(1),
        Name = r.GetString(2),
        DisplayPrefix = r.GetString(3),
        Hash = r.GetString(4),
        CreatedAt = r.GetTime(5),
        ExpiresAt = r.GetTimeOrNull(6),
        RevokedAt = r.GetTimeOrNull(7),
        AllowedModels = DbValues.FromJsonList(r.GetString(8)),
        AllowedCidrs = DbValues.FromJsonList(r.GetString(9)),
        BudgetMicros = r.GetInt64OrNull(10),
        RpmLimit = r.GetInt32OrNull(11),
        TpmLimit = r.GetInt32OrNull(12),
        ConcurrencyLimit = r.GetInt32OrNull(13),
        IsOperator = r.GetFlag(14),
        Version = r.GetInt64(15),
        AccountGroup = r.GetString(16),
        AccountDisabled = r.GetFlag(17),
    };
}
