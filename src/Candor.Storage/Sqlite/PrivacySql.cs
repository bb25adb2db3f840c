using System.Buffers;
using System.Text;
using System.Text.Json;
using Candor.Core.Privacy;
using Candor.Core.Privacy.Redaction;
using System.Data.Common;

namespace Candor.Storage.Sqlite;

/// <summary>Every statement on <c>privacy_policies</c>, <c>history_keys</c> and <c>history_entries</c>. History rows
/// hold ids and times in clear and the exchange only as AES-256-GCM ciphertext (base64).</summary>
internal static class PrivacySql
{
    public const string SelectPolicies =
        "SELECT subject_kind, subject_id, regions, zero_retention, never_train, history_enabled, history_retention_days, redaction FROM privacy_policies";

    public const string UpsertPolicy = """
        INSERT INTO privacy_policies (subject_kind, subject_id, regions, zero_retention, never_train, history_enabled, history_retention_days, redaction, updated_at)
        VALUES (@kind, @id, @regions, @zero_retention, @never_train, @history_enabled, @history_days, @redaction, @updated_at)
        ON CONFLICT (subject_kind, subject_id) DO UPDATE SET
            regions = excluded.regions, zero_retention = excluded.zero_retention, never_train = excluded.never_train,
            history_enabled = excluded.history_enabled, history_retention_days = excluded.history_retention_days,
            redaction = excluded.redaction, updated_at = excluded.updated_at
        """;

    public const string KeyExists = "SELECT COUNT(*) FROM api_keys WHERE id = @id";

    public const string SelectKey = "SELECT id, account_id, sealed_key FROM history_keys WHERE account_id = @account_id";

    public const string InsertKeyIfMissing = """
        INSERT INTO history_keys (id, account_id, sealed_key, created_at) VALUES (@id, @account_id, @sealed_key, @created_at)
        ON CONFLICT (account_id) DO NOTHING
        """;

    public const string SelectAllKeys = "SELECT id, account_id, sealed_key FROM history_keys ORDER BY id";

    public const string UpdateKeySeal = "UPDATE history_keys SET sealed_key = @sealed_key WHERE id = @id";

    public const string DeleteKey = "DELETE FROM history_keys WHERE account_id = @account_id";

    public const string InsertEntry = """
        INSERT INTO history_entries (id, account_id, data_key_id, request_id, created_at, expires_at, sealed)
        VALUES (@id, @account_id, @data_key_id, @request_id, @created_at, @expires_at, @sealed)
        """;

    public const string SelectEntries = """
        SELECT id, account_id, data_key_id, request_id, created_at, expires_at, sealed FROM history_entries
        WHERE account_id = @account_id ORDER BY created_at DESC, id DESC LIMIT @limit
        """;

    public const string SelectEntriesPage = """
        SELECT id, account_id, data_key_id, request_id, created_at, expires_at, sealed FROM history_entries
        WHERE account_id = @account_id AND (created_at < @cursor_at OR (created_at = @cursor_at AND id < @cursor_id))
        ORDER BY created_at DESC, id DESC LIMIT @limit
        """;

    public const string DeleteEntries = "DELETE FROM history_entries WHERE account_id = @account_id";

    public const string PurgeEntries = "DELETE FROM history_entries WHERE expires_at <= @now";

    public static StoredPrivacy ReadPolicy(DbDataReader r)
    {
        var subject = r.GetString(0) == "account" ? PrivacySubject.Account : PrivacySubject.Key;
        var regions = r.GetStringOrNull(2) is { } json ? DbValues.FromJsonList(json) : null;
        return new StoredPrivacy(subject, r.GetString(1), DataPolicyRequirements.Create(regions, r.GetFlag(3), r.GetFlag(4)), r.GetFlag(5), r.GetInt32OrNull(6),
            r.GetStringOrNull(7) is { } redaction ? FromRedactionJson(redaction) : null);
    }

    /// <summary>A redaction policy as stored: <c>{"default":"allow","email":"mask",…}</c>, only the listed types.</summary>
    public static string ToRedactionJson(RedactionPolicy policy)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("default", RedactionPolicies.Word(policy.Default));
            foreach (var (name, action) in policy.Actions.OrderBy(static a => a.Key, StringComparer.Ordinal))
            {
                w.WriteString(name, RedactionPolicies.Word(action));
            }

            w.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>Reads a stored redaction policy. A row that no longer parses (an entity type a later version removed)
    /// fails the load rather than silently weakening the policy.</summary>
    public static RedactionPolicy FromRedactionJson(string json)
    {
        using var doc = JsonDocument.Parse(json);
        var entries = doc.RootElement.EnumerateObject().Select(static p => new KeyValuePair<string, string?>(p.Name, p.Value.GetString())).ToList();
        return RedactionPolicies.TryCreate(entries, out var policy, out _, out string? error)
            ? policy
            : throw new InvalidDataException("A stored redaction policy is invalid: " + error);
    }

    public static HistoryEntry ReadEntry(DbDataReader r) =>
        new(r.GetString(0), r.GetString(1), r.GetString(2), r.GetString(3), r.GetTime(4), r.GetTime(5), Convert.FromBase64String(r.GetString(6)));

    public static string Kind(PrivacySubject subject) => subject == PrivacySubject.Account ? "account" : "key";
}
