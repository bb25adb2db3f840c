using System.Text;
using Candor.Core.Accounts;

namespace Candor.UnitTests.Storage;

public class KeyStoreTests
{
    /// <summary>The store under test: SQLite here, PostgreSQL in <see cref="PostgresKeyStoreTests"/>.</summary>
    private protected virtual Task<TempStore> CreateStoreAsync() => TempStore.CreateAsync();

    private static readonly TimeSpan Timeout = TempStore.Timeout;
    private static readonly CancellationToken None = CancellationToken.None;

    [SkippableFact]
    public async Task CreateKey_ReturnsKeyThatHashesToStoredHash()
    {
        using var t = await CreateStoreAsync();
        var account = await t.AccountAsync("a");

        var created = await t.KeyAsync(account.Id);

        Assert.True(ApiKeyFormat.HasKeyShape(created.PlaintextKey));
        Assert.StartsWith("sk-cd-", created.PlaintextKey, StringComparison.Ordinal);
        Assert.Equal(created.PlaintextKey[..12], created.Record.DisplayPrefix);
        Assert.StartsWith("key_", created.Record.Id, StringComparison.Ordinal);
        Assert.Equal(t.Hasher.Hash(created.PlaintextKey), created.Record.Hash);
        var found = await t.Store.GetByHashAsync(t.Hasher.Hash(created.PlaintextKey), None).WaitAsync(Timeout);
        Assert.Equal(created.Record, found! with { AllowedModels = created.Record.AllowedModels, AllowedCidrs = created.Record.AllowedCidrs });
        Assert.DoesNotContain(created.PlaintextKey, created.ToString(), StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task CreatedKeys_AreUniqueAndRandom()
    {
        var keys = Enumerable.Range(0, 1000).Select(_ => ApiKeyFormat.NewKey()).ToHashSet(StringComparer.Ordinal);
        Assert.Equal(1000, keys.Count);
        Assert.All(keys, k => Assert.True(ApiKeyFormat.HasKeyShape(k)));
        await Task.CompletedTask;
    }

    [SkippableFact]
    public async Task Plaintext_IsNeverWrittenToDisk()
    {
        using var t = await CreateStoreAsync();
        Skip.If(t.IsPostgres, "This test scans SQLite's files in the data directory.");
        var account = await t.AccountAsync("a");
        var keys = new List<string>();
        for (int i = 0; i < 5; i++)
        {
            keys.Add((await t.KeyAsync(account.Id)).PlaintextKey);
        }

        // Before and after a checkpoint: the WAL and the main file both must be clean.
        ScanDataFiles(t.Directory, keys);
        t.Store.Dispose();
        ScanDataFiles(t.Directory, keys);
        await t.ReopenAsync();
    }

    private static void ScanDataFiles(string directory, List<string> keys)
    {
        foreach (string file in Directory.GetFiles(directory))
        {
            byte[] bytes = File.ReadAllBytes(file);
            foreach (string key in keys)
            {
                Assert.Equal(-1, bytes.AsSpan().IndexOf(Encoding.UTF8.GetBytes(key)));
                Assert.Equal(-1, bytes.AsSpan().IndexOf(Encoding.UTF8.GetBytes(key[12..])));
                Assert.Equal(-1, bytes.AsSpan().IndexOf(Encoding.Unicode.GetBytes(key)));
            }
        }
    }

    [SkippableFact]
    public async Task RevokedKey_LeavesActiveListAndIsReportedAsChanged()
    {
        using var t = await CreateStoreAsync();
        var account = await t.AccountAsync("a");
        var keep = await t.KeyAsync(account.Id);
        var revoke = await t.KeyAsync(account.Id);
        long before = await t.Store.GetVersionAsync(None).WaitAsync(Timeout);

        Assert.True(await t.Store.RevokeAsync(account.Id, revoke.Record.Id, None).WaitAsync(Timeout));
        Assert.False(await t.Store.RevokeAsync(account.Id, revoke.Record.Id, None).WaitAsync(Timeout));

        var active = await t.Store.ListActiveAsync(t.Time.GetUtcNow(), None).WaitAsync(Timeout);
        Assert.Equal([keep.Record.Id], active.Keys.Select(k => k.Id));
        var changes = await t.Store.GetChangedSinceAsync(before, None).WaitAsync(Timeout);
        var changed = Assert.Single(changes.Keys);
        Assert.Equal(revoke.Record.Id, changed.Id);
        Assert.Equal(t.Time.GetUtcNow(), changed.RevokedAt);
        Assert.False(changed.IsUsableAt(t.Time.GetUtcNow()));
        Assert.True(changes.Version > before);
        Assert.Empty((await t.Store.GetChangedSinceAsync(changes.Version, None).WaitAsync(Timeout)).Keys);
    }

    [SkippableFact]
    public async Task ExpiredKey_LeavesActiveList()
    {
        using var t = await CreateStoreAsync();
        var account = await t.AccountAsync("a");
        var expiring = await t.KeyAsync(account.Id, new ApiKeyLimits { ExpiresAt = t.Time.GetUtcNow().AddHours(1) });

        Assert.Single((await t.Store.ListActiveAsync(t.Time.GetUtcNow(), None).WaitAsync(Timeout)).Keys);
        Assert.True(expiring.Record.IsUsableAt(t.Time.GetUtcNow()));

        var later = t.Time.GetUtcNow().AddHours(1);
        Assert.Empty((await t.Store.ListActiveAsync(later, None).WaitAsync(Timeout)).Keys);
        Assert.False(expiring.Record.IsUsableAt(later));
    }

    [SkippableFact]
    public async Task UpdateLimits_RoundTripsEveryField()
    {
        using var t = await CreateStoreAsync();
        var account = await t.AccountAsync("a");
        var key = await t.KeyAsync(account.Id);
        var limits = new ApiKeyLimits
        {
            ExpiresAt = t.Time.GetUtcNow().AddDays(30),
            AllowedModels = ["gpt-4o", "claude \"quoted\" model"],
            AllowedCidrs = ["10.0.0.0/8", "2001:db8::/32"],
            BudgetMicros = 5_000_000,
            RpmLimit = 60,
            TpmLimit = 100_000,
            ConcurrencyLimit = 4,
        };

        var updated = await t.Store.UpdateLimitsAsync(account.Id, key.Record.Id, limits, None).WaitAsync(Timeout);

        Assert.NotNull(updated);
        Assert.Equal(limits.ExpiresAt, updated.ExpiresAt);
        Assert.Equal(limits.AllowedModels, updated.AllowedModels);
        Assert.Equal(limits.AllowedCidrs, updated.AllowedCidrs);
        Assert.Equal(5_000_000, updated.BudgetMicros);
        Assert.Equal(60, updated.RpmLimit);
        Assert.Equal(100_000, updated.TpmLimit);
        Assert.Equal(4, updated.ConcurrencyLimit);
        Assert.True(updated.Version > key.Record.Version);
        Assert.Equal(updated, (await t.Store.GetKeyAsync(account.Id, key.Record.Id, None).WaitAsync(Timeout))! with
        {
            AllowedModels = updated.AllowedModels,
            AllowedCidrs = updated.AllowedCidrs,
        });
    }

    [SkippableFact]
    public async Task InvalidLimits_AreRefused()
    {
        using var t = await CreateStoreAsync();
        var account = await t.AccountAsync("a");

        await Assert.ThrowsAsync<ArgumentException>(() => t.Store.CreateKeyAsync(account.Id, "k", new ApiKeyLimits { AllowedCidrs = ["10.0.0.0/33"] }, false, None).WaitAsync(Timeout));
        await Assert.ThrowsAsync<ArgumentException>(() => t.Store.CreateKeyAsync(account.Id, "k", new ApiKeyLimits { AllowedCidrs = ["10.0.0.1/8"] }, false, None).WaitAsync(Timeout));
        await Assert.ThrowsAsync<ArgumentException>(() => t.Store.CreateKeyAsync(account.Id, "k", new ApiKeyLimits { RpmLimit = -1 }, false, None).WaitAsync(Timeout));
        Assert.Null(await t.Store.CreateKeyAsync("acct_missing", "k", ApiKeyLimits.None, false, None).WaitAsync(Timeout));
    }

    [SkippableFact]
    public async Task DisabledAccount_MarksItsKeysChangedAndInactive()
    {
        using var t = await CreateStoreAsync();
        var account = await t.AccountAsync("a");
        var key = await t.KeyAsync(account.Id);
        long before = await t.Store.GetVersionAsync(None).WaitAsync(Timeout);

        var updated = await t.Store.UpdateAccountAsync(account.Id, null, "gold", true, None).WaitAsync(Timeout);

        Assert.True(updated!.Disabled);
        Assert.Equal("gold", updated.Group);
        var changed = Assert.Single((await t.Store.GetChangedSinceAsync(before, None).WaitAsync(Timeout)).Keys);
        Assert.True(changed.AccountDisabled);
        Assert.Equal("gold", changed.AccountGroup);
        Assert.False(changed.IsUsableAt(t.Time.GetUtcNow()));
        Assert.Empty((await t.Store.ListActiveAsync(t.Time.GetUtcNow(), None).WaitAsync(Timeout)).Keys);
        Assert.Null(await t.Store.UpdateAccountAsync("acct_missing", "x", null, null, None).WaitAsync(Timeout));
    }

    [SkippableFact]
    public async Task Members_RolesAreSetChangedAndRemoved()
    {
        using var t = await CreateStoreAsync();
        var a = await t.AccountAsync("a");
        var b = await t.AccountAsync("b");

        Assert.True(await t.Store.SetMemberAsync(a.Id, "ann@example.com", AccountRole.Owner, None).WaitAsync(Timeout));
        Assert.True(await t.Store.SetMemberAsync(a.Id, "bob@example.com", AccountRole.Viewer, None).WaitAsync(Timeout));
        Assert.True(await t.Store.SetMemberAsync(b.Id, "bob@example.com", AccountRole.Admin, None).WaitAsync(Timeout));
        Assert.True(await t.Store.SetMemberAsync(a.Id, "bob@example.com", AccountRole.Member, None).WaitAsync(Timeout));
        Assert.False(await t.Store.SetMemberAsync("acct_missing", "bob@example.com", AccountRole.Member, None).WaitAsync(Timeout));

        Assert.Equal(AccountRole.Member, await t.Store.GetRoleAsync(a.Id, "bob@example.com", None).WaitAsync(Timeout));
        Assert.Null(await t.Store.GetRoleAsync(b.Id, "ann@example.com", None).WaitAsync(Timeout));
        Assert.Equal(2, (await t.Store.ListMembersAsync(a.Id, None).WaitAsync(Timeout)).Count);
        Assert.Equal(2, (await t.Store.ListMembershipsAsync("bob@example.com", None).WaitAsync(Timeout)).Count);

        Assert.True(await t.Store.RemoveMemberAsync(a.Id, "bob@example.com", None).WaitAsync(Timeout));
        Assert.False(await t.Store.RemoveMemberAsync(a.Id, "bob@example.com", None).WaitAsync(Timeout));
        Assert.Equal([new Member(a.Id, "ann@example.com", AccountRole.Owner)], await t.Store.ListMembersAsync(a.Id, None).WaitAsync(Timeout));
    }
}
