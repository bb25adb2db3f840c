using Candor.Core.Accounts;
using Candor.Core.Receipts;
using Candor.Storage;
using Candor.Storage.Relational;
using Microsoft.Data.Sqlite;

namespace Candor.UnitTests.Storage;

/// <summary><c>candor copy</c> (docs/storage.md, "Moving an installation"): a SQLite store with rows in every table —
/// awkward values included (NULLs, Chinese text, the largest and negative integers, bytes with zeros) — is copied into a
/// new SQLite store and into a new PostgreSQL schema; every table reads back with the source's row count and checksum, and
/// the copy serves as the store (balances, keys, receipts, versions). A target with rows of its own is refused unchanged.</summary>
public sealed class StoreCopyTests
{
    private static readonly TimeSpan Timeout = TempStore.Timeout;

    /// <summary>The tables of the schema this test knows; each gets at least one row before the copy.</summary>
    private static readonly string[] Populated =
    [
        "accounts", "account_members", "store_meta", "counters", "api_keys", "ledger_entries", "usage_records", "price_overrides",
        "group_multipliers", "channels", "channel_deployments", "privacy_policies", "history_keys", "history_entries", "receipts",
        "audit_quarantines", "admitted_requests", "redemption_codes", "import_sources", "console_logins", "console_sessions",
        "console_invitations", "payments", "payment_events", "console_key_owners", "console_signups", "signup_grants",
        "console_totp", "console_recovery_codes", "console_challenges", "audit_evidence", "receipt_leaves",
    ];

    [SkippableFact]
    public async Task PopulatedSqlite_CopiedToSqlite_EveryTableReadsBackEqual_AndTheCopyServes()
    {
        using var source = await PopulatedAsync();
        string directory = TempStore.NewDirectory();
        try
        {
            using var target = await SqliteStore.OpenAsync(directory, source.Hasher, source.Time, CancellationToken.None).WaitAsync(Timeout);
            await CopyAndCheckAsync(source, target);
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            Directory.Delete(directory, recursive: true);
        }
    }

    [SkippableFact]
    public async Task PopulatedSqlite_CopiedToPostgres_EveryTableReadsBackEqual_AndTheCopyServes()
    {
        await using var schema = await TestPostgres.CreateSchemaAsync().WaitAsync(Timeout);
        using var source = await PopulatedAsync();
        using var target = await PostgresStore.OpenAsync(schema.ConnectionString, null, source.Hasher, source.Time, CancellationToken.None).WaitAsync(Timeout);
        await CopyAndCheckAsync(source, target);
    }

    [SkippableFact]
    public async Task TargetWithRows_IsRefused_AndKeepsOnlyItsOwnRows()
    {
        using var source = await PopulatedAsync();
        using var target = await TempStore.CreateAsync();
        var own = await target.AccountAsync("already here", topUpMicros: 5);
        var refused = await Assert.ThrowsAsync<InvalidOperationException>(() => StoreCopy.CopyAsync(source.Store, target.Store, CancellationToken.None).WaitAsync(Timeout));
        Assert.Contains("not empty", refused.Message, StringComparison.Ordinal);
        Assert.Equal(1, (await StoreCopy.SumAsync(target.Store, "accounts", CancellationToken.None)).Rows);
        Assert.Equal(5, await target.Store.GetBalanceAsync(own.Id, CancellationToken.None));
        Assert.Equal(1, (await StoreCopy.SumAsync(target.Store, "ledger_entries", CancellationToken.None)).Rows);
    }

    private static async Task CopyAndCheckAsync(TempStore source, RelationalStore target)
    {
        var copied = await StoreCopy.CopyAsync(source.Store, target, CancellationToken.None).WaitAsync(Timeout);
        foreach (string table in Populated)
        {
            var from = await StoreCopy.SumAsync(source.Store, table, CancellationToken.None);
            Assert.True(from.Rows > 0, $"{table} was not populated");
            Assert.Equal(from, await StoreCopy.SumAsync(target, table, CancellationToken.None));
            Assert.Contains(copied, c => c.Table == table && c.Rows == from.Rows && c.Checksum == from.Checksum);
        }

        // Every table of the source is in the report (none forgotten), and the copy serves as the store.
        Assert.All(copied, c => Assert.True(c.Rows >= 0));
        Assert.DoesNotContain(copied, c => c.Table is "schema_migrations" or "cluster_nodes");
        foreach (var account in (await source.Store.ListAccountsAsync(1000, null, CancellationToken.None)).Items)
        {
            Assert.Equal(await source.Store.GetSummaryAsync(account.Id, CancellationToken.None), await target.GetSummaryAsync(account.Id, CancellationToken.None));
        }

        var keys = await target.ListActiveAsync(source.Time.GetUtcNow(), CancellationToken.None);
        Assert.Equal((await source.Store.ListActiveAsync(source.Time.GetUtcNow(), CancellationToken.None)).Keys.Count, keys.Keys.Count);
        Assert.Equal(await source.Store.GetVersionAsync(CancellationToken.None), await target.GetVersionAsync(CancellationToken.None));
        Assert.NotNull(await target.GetAsync("rcpt_copied", CancellationToken.None));

        // Crash recovery works on the copy: the admission left unsettled becomes an interrupted usage record.
        Assert.Equal(1, await target.RecoverDeadNodesAsync(CancellationToken.None));
    }

    /// <summary>A SQLite store with rows in every table of <see cref="Populated"/>: money through the store, the rest as rows.</summary>
    private static async Task<TempStore> PopulatedAsync()
    {
        var t = await TempStore.CreateAsync();
        var account = await t.AccountAsync("客户 甲", topUpMicros: 9_000_000);
        var other = await t.AccountAsync("b", topUpMicros: 1);
        var key = await t.KeyAsync(account.Id, new ApiKeyLimits { BudgetMicros = 5_000_000, RpmLimit = 30, AllowedModels = ["gpt-4o", "模型"] });
        await t.KeyAsync(other.Id);
        var usage = t.Usage(account.Id, key.Record.Id, "req_settled", 1234);
        byte[] body = [0, 1, 2, 0, 255, 0];
        Assert.True(await t.Store.RecordUsageAsync(usage, LedgerEntry.ChargeFor(usage), new StoredReceipt("rcpt_copied", "key:" + key.Record.Id, account.Id, t.Time.GetUtcNow(), body, null),
            CancellationToken.None).WaitAsync(Timeout));
        await t.Store.SetLeafIndicesAsync([("rcpt_copied", 0)], CancellationToken.None).WaitAsync(Timeout);
        await t.Store.RecordAdmissionAsync(t.Usage(account.Id, key.Record.Id, "req_unsettled", 0) with { Outcome = UsageOutcome.Interrupted }, CancellationToken.None).WaitAsync(Timeout);

        await using var c = new SqliteConnection($"Data Source={t.Store.DatabasePath};Pooling=False;Foreign Keys=True");
        await c.OpenAsync();
        string a = account.Id;
        foreach (string sql in new[]
        {
            $"INSERT INTO account_members VALUES ('{a}', 'alice@example.com', 'owner', 1)",
            "INSERT INTO price_overrides VALUES ('gpt-4o', '', 2500000, NULL, NULL, NULL, NULL, 9223372036854775807, 2)",
            "INSERT INTO group_multipliers VALUES ('vip', 800000, 3)",
            """INSERT INTO channels VALUES ('ch1', 'openai', 'https://example.com/v1', 'eu', 'none', 'never', NULL, '{"x-h":"值"}', 1000, 2000, 3000, 1, 'off', 'c2VhbGVk', 1, 4, 5)""",
            "INSERT INTO channel_deployments VALUES ('dep1', 'gpt-4o', 'ch1', 'gpt-4o-2024', -1, 3, 6)",
            $"INSERT INTO privacy_policies VALUES ('account', '{a}', '[\"eu\"]', 1, 1, 1, 30, 7, '{{\"default\":\"allow\"}}')",
            $"INSERT INTO history_keys VALUES ('hk1', '{a}', 'c2VhbGVkIGtleQ==', 8)",
            $"INSERT INTO history_entries VALUES ('he1', '{a}', 'hk1', 'req_settled', 9, 10, 'c2VhbGVkIGVudHJ5')",
            "INSERT INTO audit_quarantines VALUES ('ch1', 'p = 0.0001 on 40 probes', 'substitution', 11)",
            $"INSERT INTO redemption_codes VALUES ('rc1', 'batch1', 'hash1', 1000000, NULL, '{a}', NULL, '', 12, 13, 'key:x', NULL)",
            "INSERT INTO import_sources VALUES ('one-api', 'user', '42', 'acct_x', 14)",
            "INSERT INTO console_logins VALUES ('alice@example.com', '$argon$hash', 1, 15, 16)",
            "INSERT INTO console_sessions VALUES ('sess_hash', 'alice@example.com', 17, 18)",
            $"INSERT INTO console_invitations VALUES ('inv_hash', 'bob@example.com', 0, 19, -20, '{a}', 'member')",
            $"INSERT INTO payments VALUES ('pay_1', 'stripe', '{a}', 25000000, 'paid', 'cs_1', 'pi_1', 21, 22, 'le_x', 5000000)",
            "INSERT INTO payment_events VALUES ('stripe', 'evt_1', 'checkout.session.completed', 'credited', 'pay_1', 23)",
            $"INSERT INTO console_key_owners VALUES ('{key.Record.Id}', '{a}', 'alice@example.com', 24)",
            "INSERT INTO console_signups VALUES ('su_hash', 'carol@例子.中国', '例子.中国', '2001:db8::/64', 25, 26, NULL)",
            $"INSERT INTO signup_grants VALUES ('{a}', 'alice@example.com', 'le_y', 27)",
            "INSERT INTO console_totp VALUES ('alice@example.com', 'c2VhbGVkIHRvdHA=', 1, 1, 59000000, 28)",
            "INSERT INTO console_recovery_codes VALUES ('alice@example.com', 'rc_hash')",
            "INSERT INTO console_challenges VALUES ('ch_hash', 'alice@example.com', 29, 2)",
            "INSERT INTO audit_evidence VALUES ('ch1\ngpt-4o', 'ch1', 3, '[\"length\"]', '{\"length\":1.5}', 30)",
        })
        {
            await using var insert = c.CreateCommand();
            insert.CommandText = sql;
            await insert.ExecuteNonQueryAsync();
        }

        return t;
    }
}
