using System.Security.Cryptography;
using Candor.Core.Security;
using Candor.Core.WebConsole;

namespace Candor.UnitTests.Storage;

/// <summary>The sign-up and second-factor tables through the store's interfaces: limits counted over the window,
/// single-use verification with one grant per account (also under concurrency), TOTP steps claimed once, recovery codes
/// once, secrets moved by the master-key rotation. Run again on PostgreSQL by <see cref="PostgresConsoleSignUpStoreTests"/>.</summary>
public class ConsoleSignUpStoreTests
{
    private protected virtual Task<TempStore> CreateStoreAsync() => TempStore.CreateAsync();

    private static readonly TimeSpan Timeout = TempStore.Timeout;

    private static PendingSignUp SignUp(string token, string email, string address, DateTimeOffset now) =>
        new(token, email, email[(email.IndexOf('@', StringComparison.Ordinal) + 1)..], address, now, now + TimeSpan.FromHours(1));

    [SkippableFact]
    public async Task Limits_CountPerAddressAndPerDomain_InsideTheWindowOnly()
    {
        using var t = await CreateStoreAsync();
        var now = t.Time.GetUtcNow();
        var since = now - TimeSpan.FromHours(1);
        Assert.Equal(SignUpAdmission.Accepted, await t.Store.AddSignUpAsync(SignUp("h1", "a@d.example", "10.0.0.1", now), 2, 3, since, default).WaitAsync(Timeout));
        Assert.Equal(SignUpAdmission.Accepted, await t.Store.AddSignUpAsync(SignUp("h2", "b@d.example", "10.0.0.1", now), 2, 3, since, default).WaitAsync(Timeout));
        Assert.Equal(SignUpAdmission.AddressLimited, await t.Store.AddSignUpAsync(SignUp("h3", "c@e.example", "10.0.0.1", now), 2, 3, since, default).WaitAsync(Timeout));
        Assert.Equal(SignUpAdmission.Accepted, await t.Store.AddSignUpAsync(SignUp("h4", "c@d.example", "10.0.0.2", now), 2, 3, since, default).WaitAsync(Timeout));
        Assert.Equal(SignUpAdmission.DomainLimited, await t.Store.AddSignUpAsync(SignUp("h5", "e@d.example", "10.0.0.3", now), 2, 3, since, default).WaitAsync(Timeout));

        // Past the window the same address and domain are accepted again.
        t.Time.Advance(TimeSpan.FromHours(2));
        var later = t.Time.GetUtcNow();
        Assert.Equal(SignUpAdmission.Accepted, await t.Store.AddSignUpAsync(SignUp("h6", "f@d.example", "10.0.0.1", later), 2, 3, later - TimeSpan.FromHours(1), default).WaitAsync(Timeout));
    }

    [SkippableFact]
    public async Task ConcurrentSignUps_AgainstTheLimits_AcceptExactlyTheLimit()
    {
        using var t = await CreateStoreAsync();
        using var second = await t.OpenSecondAsync();
        var now = t.Time.GetUtcNow();
        var since = now - TimeSpan.FromHours(1);

        // Twelve at once from one address, on two nodes, against three per address: three pass, the rest are refused.
        var byAddress = await Task.WhenAll(Enumerable.Range(0, 12).Select(i => (i % 2 == 0 ? t.Store : second)
            .AddSignUpAsync(SignUp("ca" + i, $"u{i}@a{i}.example", "10.9.0.1", now), 3, 100, since, default).WaitAsync(Timeout)));
        Assert.Equal(3, byAddress.Count(static a => a == SignUpAdmission.Accepted));
        Assert.All(byAddress.Where(static a => a != SignUpAdmission.Accepted), static a => Assert.Equal(SignUpAdmission.AddressLimited, a));

        // Twelve at once for one domain from twelve addresses, against four per domain.
        var byDomain = await Task.WhenAll(Enumerable.Range(0, 12).Select(i => (i % 2 == 0 ? t.Store : second)
            .AddSignUpAsync(SignUp("cd" + i, $"u{i}@crowd.example", "10.9.1." + i, now), 100, 4, since, default).WaitAsync(Timeout)));
        Assert.Equal(4, byDomain.Count(static a => a == SignUpAdmission.Accepted));
        Assert.All(byDomain.Where(static a => a != SignUpAdmission.Accepted), static a => Assert.Equal(SignUpAdmission.DomainLimited, a));
    }

    [SkippableFact]
    public async Task Verification_OpensOneAccountWithOneGrant_OnceEvenUnderConcurrency()
    {
        using var t = await CreateStoreAsync();
        var now = t.Time.GetUtcNow();
        await t.Store.AddSignUpAsync(SignUp("tok", "new@d.example", "10.0.0.1", now), 10, 10, now - TimeSpan.FromHours(1), default).WaitAsync(Timeout);
        var opening = new AccountOpening("", "default", 1_500_000, now);
        var outcomes = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => t.Store.CompleteSignUpAsync("tok", "hash", opening, default).WaitAsync(Timeout)));
        var opened = Assert.Single(outcomes, o => o.Opened is not null).Opened!;
        Assert.All(outcomes.Where(o => o.Opened is null), o => Assert.False(o.AlreadyRegistered));
        Assert.Equal("new@d.example", opened.Principal);
        Assert.Equal(1_500_000, await t.Store.GetBalanceAsync(opened.AccountId, default).WaitAsync(Timeout));
        var entry = Assert.Single((await t.Store.ListLedgerAsync(opened.AccountId, 10, null, default).WaitAsync(Timeout)).Items);
        Assert.Equal(opened.GrantLedgerId, entry.Id);
        Assert.Equal("hash", (await t.Store.GetLoginAsync("new@d.example", default).WaitAsync(Timeout))!.PasswordHash);
        var member = Assert.Single(await t.Store.ListMembershipsAsync("new@d.example", default).WaitAsync(Timeout));
        Assert.Equal(Candor.Core.Accounts.AccountRole.Owner, member.Role);
    }

    [SkippableFact]
    public async Task Verification_OfAnAddressWithALogin_ChangesNothing_AndExpiredTokensAreRefused()
    {
        using var t = await CreateStoreAsync();
        var now = t.Time.GetUtcNow();
        await t.Store.SetLoginAsync(new ConsoleLogin("old@d.example", "original", false, now), default).WaitAsync(Timeout);
        await t.Store.AddSignUpAsync(SignUp("again", "old@d.example", "10.0.0.1", now), 10, 10, now, default).WaitAsync(Timeout);
        await t.Store.AddSignUpAsync(SignUp("late", "late@d.example", "10.0.0.1", now), 10, 10, now, default).WaitAsync(Timeout);

        var again = await t.Store.CompleteSignUpAsync("again", "attacker", new AccountOpening("", "default", 1, now), default).WaitAsync(Timeout);
        Assert.True(again.AlreadyRegistered);
        Assert.Equal("original", (await t.Store.GetLoginAsync("old@d.example", default).WaitAsync(Timeout))!.PasswordHash);
        Assert.Empty(await t.Store.ListMembershipsAsync("old@d.example", default).WaitAsync(Timeout));

        var afterExpiry = now + TimeSpan.FromHours(2);
        Assert.Same(SignUpCompletion.Refused, await t.Store.CompleteSignUpAsync("late", "h", new AccountOpening("", "default", 1, afterExpiry), default).WaitAsync(Timeout));
        Assert.Null(await t.Store.GetLoginAsync("late@d.example", default).WaitAsync(Timeout));
    }

    [SkippableFact]
    public async Task TotpSteps_AreClaimedOnceAndOnlyForward_RecoveryCodesOnce()
    {
        using var t = await CreateStoreAsync();
        var now = t.Time.GetUtcNow();
        var enrolment = new TotpEnrolment("p", "c2VhbGVk", 1, Enabled: false, LastStep: 0);
        Assert.True(await t.Store.StartTotpAsync(enrolment, now, default).WaitAsync(Timeout));
        Assert.False(await t.Store.ClaimTotpStepAsync("p", 100, default).WaitAsync(Timeout)); // not confirmed yet
        Assert.True(await t.Store.EnableTotpAsync("p", 100, ["r1", "r2"], default).WaitAsync(Timeout));
        Assert.False(await t.Store.StartTotpAsync(enrolment, now, default).WaitAsync(Timeout)); // a confirmed one stays

        Assert.False(await t.Store.ClaimTotpStepAsync("p", 100, default).WaitAsync(Timeout));
        Assert.False(await t.Store.ClaimTotpStepAsync("p", 99, default).WaitAsync(Timeout));
        var claims = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => t.Store.ClaimTotpStepAsync("p", 101, default).WaitAsync(Timeout)));
        Assert.Single(claims, c => c);

        Assert.True(await t.Store.UseRecoveryCodeAsync("p", "r1", default).WaitAsync(Timeout));
        Assert.False(await t.Store.UseRecoveryCodeAsync("p", "r1", default).WaitAsync(Timeout));
        Assert.True(await t.Store.DeleteTotpAsync("p", default).WaitAsync(Timeout));
        Assert.False(await t.Store.UseRecoveryCodeAsync("p", "r2", default).WaitAsync(Timeout));
        Assert.Null(await t.Store.GetTotpAsync("p", default).WaitAsync(Timeout));
    }

    [SkippableFact]
    public async Task MasterKeyRotation_ResealsTotpSecrets()
    {
        using var t = await CreateStoreAsync();
        byte[] key1 = RandomNumberGenerator.GetBytes(32), key2 = RandomNumberGenerator.GetBytes(32);
        var old = new MasterKeyRing(new Dictionary<uint, byte[]> { [1] = key1 });
        byte[] secret = Totp.NewSecret();
        byte[] envelope = old.Seal(secret, Totp.AssociatedData("p"));
        await t.Store.StartTotpAsync(new TotpEnrolment("p", Convert.ToBase64String(envelope), 1, false, 0), t.Time.GetUtcNow(), default).WaitAsync(Timeout);

        await t.Store.ResealCredentialsAsync(new MasterKeyRing(new Dictionary<uint, byte[]> { [1] = key1, [2] = key2 }), default).WaitAsync(Timeout);
        var stored = (await t.Store.GetTotpAsync("p", default).WaitAsync(Timeout))!;
        Assert.Equal(2, stored.SecretKeyId);
        var onlyNew = new MasterKeyRing(new Dictionary<uint, byte[]> { [2] = key2 });
        Assert.Equal(secret, onlyNew.Open(Convert.FromBase64String(stored.SealedSecret), Totp.AssociatedData("p")));
    }
}

public sealed class PostgresConsoleSignUpStoreTests : ConsoleSignUpStoreTests
{
    private protected override Task<TempStore> CreateStoreAsync() => TempStore.CreatePostgresAsync();
}
