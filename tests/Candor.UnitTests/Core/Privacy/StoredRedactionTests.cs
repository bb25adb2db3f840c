using Candor.Core.Accounts;
using Candor.Core.Admission;
using Candor.Core.Configuration;
using Candor.Core.Privacy;
using Candor.Core.Privacy.Redaction;
using Candor.UnitTests.Storage;

namespace Candor.UnitTests.Core.Privacy;

/// <summary>Stored redaction policies: the narrowing rule (server, then account, then key; per entity type the
/// strictest action wins, so a key never loosens its account's policy), its memoization, the input rules, and the
/// round trip through the store and the in-memory directory.</summary>
public sealed class StoredRedactionTests
{
    private static readonly EntityAction[] Actions = [EntityAction.Allow, EntityAction.Mask, EntityAction.Pseudonymize, EntityAction.Block];

    /// <summary>The documented order, written independently of <see cref="RedactionPolicies.Strength"/>.</summary>
    private static int Rank(EntityAction a) => Array.IndexOf(new[] { EntityAction.Allow, EntityAction.Pseudonymize, EntityAction.Mask, EntityAction.Block }, a);

    private static RedactionPolicy? RandomPolicy(Random r)
    {
        if (r.Next(4) == 0)
        {
            return null;
        }

        var actions = new Dictionary<string, EntityAction>(StringComparer.Ordinal);
        foreach (string name in EntityNames.All)
        {
            if (r.Next(2) == 0)
            {
                actions[name] = Actions[r.Next(Actions.Length)];
            }
        }

        return new RedactionPolicy(actions, r.Next(3) == 0 ? Actions[r.Next(Actions.Length)] : EntityAction.Allow);
    }

    private static ApiKeyRecord Key(string id, string accountId) => new()
    {
        Id = id, AccountId = accountId, Name = "k", DisplayPrefix = "sk-cd-000000", Hash = "00", CreatedAt = DateTimeOffset.UnixEpoch,
    };

    [Fact]
    public async Task EffectivePolicy_IsTheStrictestOfServerAccountAndKey_PerType()
    {
        var r = new Random(20261126);
        for (int round = 0; round < 2000; round++)
        {
            var server = RandomPolicy(r) ?? RedactionPolicy.Off;
            var account = RandomPolicy(r);
            var own = RandomPolicy(r);
            var store = new MemoryStore(
                new StoredPrivacy(PrivacySubject.Account, "acct", DataPolicyRequirement.None, false, null, account),
                new StoredPrivacy(PrivacySubject.Key, "key", DataPolicyRequirement.None, false, null, own));
            var directory = new PrivacyDirectory(store);
            await directory.LoadAsync(CancellationToken.None);
            var config = new CandorConfig { Redaction = server };
            var effective = directory.Resolve(config, new Caller(Key("key", "acct")));
            var accountOnly = RedactionPolicies.Narrow(server, account);

            foreach (string name in EntityNames.All)
            {
                int expected = new[] { server.ActionFor(name), account?.ActionFor(name) ?? EntityAction.Allow, own?.ActionFor(name) ?? EntityAction.Allow }.Max(Rank);
                Assert.Equal(expected, Rank(effective.Redaction.ActionFor(name)));

                // A key never loosens its account's (nor the server's) action.
                Assert.True(Rank(effective.Redaction.ActionFor(name)) >= Rank(accountOnly.ActionFor(name)), $"round {round}: {name}");
                Assert.True(Rank(accountOnly.ActionFor(name)) >= Rank(server.ActionFor(name)), $"round {round}: {name}");
            }

            Assert.Same(server, effective.ServerRedaction);
            Assert.Same(account, effective.AccountRedaction);
            Assert.Same(own, effective.KeyRedaction);

            // Resolving again (the next request) builds nothing new.
            Assert.Same(effective.Redaction, directory.Resolve(config, new Caller(Key("key", "acct"))).Redaction);
        }
    }

    [Fact]
    public async Task WithoutStoredRedaction_TheServerPolicyItselfApplies()
    {
        var server = new RedactionPolicy(new Dictionary<string, EntityAction> { ["email"] = EntityAction.Mask }, EntityAction.Allow);
        var directory = new PrivacyDirectory(new MemoryStore(
            new StoredPrivacy(PrivacySubject.Account, "acct", DataPolicyRequirements.Create(["cn"], false, false), false, null)));
        await directory.LoadAsync(CancellationToken.None);
        var effective = directory.Resolve(new CandorConfig { Redaction = server }, new Caller(Key("key", "acct")));
        Assert.Same(server, effective.Redaction);
        Assert.Null(effective.AccountRedaction);
        Assert.Null(effective.KeyRedaction);
    }

    [Fact]
    public void ConfigurationKey_NarrowsTheServerPolicy_TheSameWay()
    {
        var server = new RedactionPolicy(new Dictionary<string, EntityAction> { ["email"] = EntityAction.Pseudonymize, ["secret"] = EntityAction.Block }, EntityAction.Allow);
        var own = new RedactionPolicy(new Dictionary<string, EntityAction> { ["email"] = EntityAction.Block, ["secret"] = EntityAction.Allow }, EntityAction.Allow);
        var config = new CandorConfig { Redaction = server, Keys = [new ClientKey { Name = "partner", Value = "sk-partner-0123456789", Redaction = own }] };
        var effective = new PrivacyDirectory().Resolve(config, Caller.ForConfigKey("partner"));
        Assert.Equal(EntityAction.Block, effective.Redaction.ActionFor("email"));
        Assert.Equal(EntityAction.Block, effective.Redaction.ActionFor("secret"));
        Assert.Null(effective.AccountRedaction);
        Assert.Same(own, effective.KeyRedaction);
    }

    [Theory]
    [InlineData("emial", "mask", "emial", "Unknown entity type 'emial'")]
    [InlineData("email", "hide", "email", "Unknown action 'hide' for 'email'")]
    [InlineData("email", null, "email", "must be one of allow, mask, pseudonymize or block")]
    [InlineData("Email", "mask", "Email", "Unknown entity type")]
    public void TryCreate_RefusesMistakes_NamingTheField(string name, string? word, string field, string says)
    {
        Assert.False(RedactionPolicies.TryCreate([new(name, word)], out var policy, out string? bad, out string? error));
        Assert.Null(policy);
        Assert.Equal(field, bad);
        Assert.Contains(says, error, StringComparison.Ordinal);
    }

    [Fact]
    public void TryCreate_RefusesDuplicates_AndReadsDefault()
    {
        Assert.False(RedactionPolicies.TryCreate([new("email", "mask"), new("email", "block")], out _, out string? bad, out _));
        Assert.Equal("email", bad);
        Assert.True(RedactionPolicies.TryCreate([new("default", "mask"), new("email", "allow")], out var policy, out _, out _));
        Assert.Equal(EntityAction.Mask, policy.ActionFor("phone"));
        Assert.Equal(EntityAction.Allow, policy.ActionFor("email"));
    }

    [Fact]
    public async Task StoredRedaction_RoundTripsThroughTheStore_AndTheDirectory()
    {
        using var t = await TempStore.CreateAsync();
        var account = await t.AccountAsync("a");
        var key = await t.KeyAsync(account.Id);
        var directory = new PrivacyDirectory(t.Store);
        var policy = new RedactionPolicy(new Dictionary<string, EntityAction> { ["email"] = EntityAction.Mask, ["cn_id"] = EntityAction.Block }, EntityAction.Pseudonymize);

        Assert.True(await directory.SetAsync(directory.ForKey(key.Record.Id) with { Redaction = policy }, CancellationToken.None).WaitAsync(TempStore.Timeout));
        Assert.False(await directory.SetAsync(StoredPrivacy.Empty(PrivacySubject.Key, "key_missing") with { Redaction = policy }, CancellationToken.None).WaitAsync(TempStore.Timeout));

        await t.ReopenAsync();
        var reloaded = new PrivacyDirectory(t.Store);
        await reloaded.LoadAsync(CancellationToken.None).WaitAsync(TempStore.Timeout);
        var stored = reloaded.ForKey(key.Record.Id).Redaction;
        Assert.NotNull(stored);
        Assert.Equal(EntityAction.Pseudonymize, stored.Default);
        Assert.Equal(2, stored.Actions.Count);
        Assert.Equal(EntityAction.Mask, stored.ActionFor("email"));
        Assert.Equal(EntityAction.Block, stored.ActionFor("cn_id"));
        Assert.Null(reloaded.ForAccount(account.Id).Redaction);

        // The effective policy of the key reflects it at once; clearing (null) removes it.
        var caller = new Caller(key.Record);
        Assert.Equal(EntityAction.Block, reloaded.Resolve(new CandorConfig(), caller).Redaction.ActionFor("cn_id"));
        Assert.True(await reloaded.SetAsync(reloaded.ForKey(key.Record.Id) with { Redaction = null }, CancellationToken.None).WaitAsync(TempStore.Timeout));
        Assert.Null(reloaded.ForKey(key.Record.Id).Redaction);
        Assert.Equal(EntityAction.Allow, reloaded.Resolve(new CandorConfig(), caller).Redaction.ActionFor("cn_id"));
    }

    /// <summary>Policies in memory; history is not used here.</summary>
    private sealed class MemoryStore(params StoredPrivacy[] policies) : IPrivacyStore
    {
        public Task<IReadOnlyList<StoredPrivacy>> ListPrivacyAsync(CancellationToken cancellationToken) => Task.FromResult<IReadOnlyList<StoredPrivacy>>(policies);

        public Task<bool> SetPrivacyAsync(StoredPrivacy policy, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<HistoryDataKey?> GetHistoryKeyAsync(string accountId, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<HistoryDataKey> AddHistoryKeyAsync(HistoryDataKey candidate, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task AppendHistoryAsync(IReadOnlyList<HistoryEntry> entries, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<IReadOnlyList<HistoryEntry>> ListHistoryAsync(string accountId, int limit, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<int> EraseHistoryAsync(string accountId, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<int> PurgeHistoryAsync(DateTimeOffset now, CancellationToken cancellationToken) => throw new NotSupportedException();
    }
}
