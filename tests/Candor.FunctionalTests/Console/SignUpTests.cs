using System.Text.Json;
using System.Text.RegularExpressions;
using Candor.FunctionalTests.Infrastructure;

namespace Candor.FunctionalTests.WebConsole;

/// <summary>Console sign-up end to end through the real server and a local SMTP sink: the form's answer, the mailed
/// link, verification, sign-in and the initial grant in the ledger; single use under replay and concurrency; the
/// per-address and per-domain limits; the same answer for known and unknown addresses; invitation links bound to an
/// account; closed mode.</summary>
public sealed partial class SignUpTests(SignUpTests.OpenHost fixture) : IClassFixture<SignUpTests.OpenHost>
{
    private static readonly TimeSpan MailTimeout = TimeSpan.FromSeconds(20);

    private readonly SignUpHost _host = fixture.Host;

    /// <summary>One open-mode host for the class (each test uses its own addresses and domains).</summary>
    public sealed class OpenHost : IAsyncLifetime
    {
        public SignUpHost Host { get; private set; } = null!;

        public async Task InitializeAsync() => Host = await SignUpHost.StartAsync(SignUpHost.Open());

        public async Task DisposeAsync() => await Host.DisposeAsync();
    }

    [GeneratedRegex(@"(?<link>\S+)#verify=(?<token>[A-Za-z0-9_-]+)")]
    private static partial Regex VerifyLink();

    private async Task<string> SignUpAndReadTokenAsync(ConsoleClient client, string email)
    {
        var (status, body) = await client.SendAsync(HttpMethod.Post, "/console/api/signup", JsonSerializer.Serialize(new { email }));
        Assert.Equal(202, status);
        Assert.Equal("pending", body.GetProperty("status").GetString());
        var mail = await _host.Smtp.WaitForAsync(m => m.Recipients.Contains(email.ToLowerInvariant()), MailTimeout);
        var match = VerifyLink().Match(mail.Text);
        Assert.True(match.Success, mail.Text);
        Assert.Equal(SignUpHost.PublicUrl + "/console/", match.Groups["link"].Value);
        return match.Groups["token"].Value;
    }

    private Task<(int Status, JsonElement Body)> VerifyAsync(ConsoleClient client, string token) =>
        client.SendAsync(HttpMethod.Post, "/console/api/signup/verify", JsonSerializer.Serialize(new { token, password = SignUpHost.Password }));

    private async Task<JsonElement[]> LedgerAsync(string accountId)
    {
        var (status, page) = await _host.AdminAsync(HttpMethod.Get, $"/admin/v1/accounts/{accountId}/ledger");
        Assert.Equal(200, status);
        return [.. page.GetProperty("data").EnumerateArray()];
    }

    [Fact]
    public async Task SignUp_MailedLinkVerifiesOnce_SignsIn_AndGrantIsOneLedgerEntry()
    {
        const string email = "New.Person@Example.org";
        using var client = _host.NewSession();
        string token = await SignUpAndReadTokenAsync(client, email);
        var mail = Assert.Single(_host.Smtp.To("new.person@example.org"));
        Assert.Equal("relay@example.test", mail.From);
        Assert.Equal(("candor-mailer", SignUpHost.SmtpPassword), (mail.User, mail.Password)); // the password came from the environment

        var (verified, opened) = await VerifyAsync(client, token);
        Assert.Equal(200, verified);
        Assert.Equal("new.person@example.org", opened.GetProperty("principal").GetString());
        string accountId = opened.GetProperty("account_id").GetString()!;
        Assert.Equal(2_000_000, opened.GetProperty("grant_micros").GetInt64());

        // Signed in with the chosen password, the login owns its new account.
        var (signedIn, session) = await client.SignInAsync("new.person@example.org", SignUpHost.Password);
        Assert.Equal(200, signedIn);
        var account = Assert.Single(session.GetProperty("accounts").EnumerateArray());
        Assert.Equal(accountId, account.GetProperty("id").GetString());
        Assert.Equal("owner", account.GetProperty("role").GetString());

        var entry = Assert.Single(await LedgerAsync(accountId));
        Assert.Equal("top_up", entry.GetProperty("kind").GetString());
        Assert.Equal(2_000_000, entry.GetProperty("amount_micros").GetInt64());
        var (_, balance) = await _host.AdminAsync(HttpMethod.Get, $"/admin/v1/accounts/{accountId}/balance");
        Assert.Equal(2_000_000, balance.GetProperty("balance_micros").GetInt64());

        // The link works once: a replay is refused and grants nothing more.
        using var replay = _host.NewSession();
        var (replayed, refusal) = await VerifyAsync(replay, token);
        Assert.Equal(404, replayed);
        Assert.Contains("used or expired", refusal.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Single(await LedgerAsync(accountId));
    }

    [Fact]
    public async Task ConcurrentVerifications_OfOneLink_OpenOneAccountWithOneGrant()
    {
        using var client = _host.NewSession();
        string token = await SignUpAndReadTokenAsync(client, "race@race.example");
        var clients = Enumerable.Range(0, 12).Select(_ => _host.NewSession()).ToArray();
        var results = await Task.WhenAll(clients.Select(c => VerifyAsync(c, token)));
        foreach (var c in clients)
        {
            c.Dispose();
        }

        var winner = Assert.Single(results, r => r.Status == 200);
        Assert.All(results.Where(r => r.Status != 200), r => Assert.Equal(404, r.Status));
        Assert.Single(await LedgerAsync(winner.Body.GetProperty("account_id").GetString()!));
        var (_, accounts) = await _host.AdminAsync(HttpMethod.Get, "/admin/v1/accounts?limit=100");
        Assert.Single(accounts.GetProperty("data").EnumerateArray(), a => a.GetProperty("name").GetString() == "race@race.example");
    }

    [Fact]
    public async Task KnownAndUnknownAddresses_GetTheSameAnswer_AndTheKnownOneNoLink()
    {
        await _host.CreateLoginAsync("known@same.example");
        using var client = _host.NewSession();
        var known = await client.SendAsync(HttpMethod.Post, "/console/api/signup", """{"email":"known@same.example"}""");
        var unknown = await client.SendAsync(HttpMethod.Post, "/console/api/signup", """{"email":"unknown@same.example"}""");
        Assert.Equal(known.Status, unknown.Status);
        Assert.Equal(known.Body.GetRawText(), unknown.Body.GetRawText());

        var notice = await _host.Smtp.WaitForAsync(m => m.Recipients.Contains("known@same.example"), MailTimeout);
        Assert.DoesNotContain("#verify=", notice.Text, StringComparison.Ordinal);
        Assert.Contains("already has one", notice.Text, StringComparison.Ordinal);
        var link = await _host.Smtp.WaitForAsync(m => m.Recipients.Contains("unknown@same.example"), MailTimeout);
        Assert.Contains("#verify=", link.Text, StringComparison.Ordinal);

        // The known login's password is untouched.
        using var owner = _host.NewSession();
        Assert.Equal(200, (await owner.SignInAsync("known@same.example", SignUpHost.Password)).Status);
    }

    [Fact]
    public async Task DomainLimit_RefusesWithClearError_OtherDomainsStillSignUp()
    {
        using var client = _host.NewSession();
        for (int i = 0; i < 3; i++)
        {
            Assert.Equal(202, (await client.SendAsync(HttpMethod.Post, "/console/api/signup", $$"""{"email":"p{{i}}@limited.example"}""")).Status);
        }

        var (status, body) = await client.SendAsync(HttpMethod.Post, "/console/api/signup", """{"email":"p9@limited.example"}""");
        Assert.Equal(429, status);
        Assert.Equal("rate_limit_error", body.GetProperty("error").GetProperty("type").GetString());
        Assert.Contains("limited.example", body.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(202, (await client.SendAsync(HttpMethod.Post, "/console/api/signup", """{"email":"p9@other.example"}""")).Status);
    }

    [Fact]
    public async Task AddressLimit_RefusesWithClearError()
    {
        await using var host = await SignUpHost.StartAsync(SignUpHost.Open(perAddress: 2, perDomain: 100));
        using var client = host.NewSession();
        Assert.Equal(202, (await client.SendAsync(HttpMethod.Post, "/console/api/signup", """{"email":"a@one.example"}""")).Status);
        Assert.Equal(202, (await client.SendAsync(HttpMethod.Post, "/console/api/signup", """{"email":"b@two.example"}""")).Status);
        var (status, body) = await client.SendAsync(HttpMethod.Post, "/console/api/signup", """{"email":"c@three.example"}""");
        Assert.Equal(429, status);
        Assert.Contains("network address", body.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
        await host.Smtp.WaitForAsync(m => m.Recipients.Contains("b@two.example"), MailTimeout);
        Assert.Empty(host.Smtp.To("c@three.example"));
    }

    [Theory]
    [InlineData("not-an-address")]
    [InlineData("two@@example.org")]
    [InlineData("header\r\nbcc: x@example.org")]
    [InlineData("name@nodot")]
    public async Task MalformedAddress_IsRefusedAndNothingIsMailed(string email)
    {
        using var client = _host.NewSession();
        var (status, body) = await client.SendAsync(HttpMethod.Post, "/console/api/signup", JsonSerializer.Serialize(new { email }));
        Assert.Equal(400, status);
        Assert.Equal("email", body.GetProperty("error").GetProperty("param").GetString());
    }

    [Fact]
    public async Task SignUpFromAnotherOrigin_IsRefused()
    {
        using var client = _host.NewSession();
        client.Origin = "https://evil.example";
        Assert.Equal(403, (await client.SendAsync(HttpMethod.Post, "/console/api/signup", """{"email":"csrf@csrf.example"}""")).Status);
        client.Origin = null;
        Assert.Equal(403, (await client.SendAsync(HttpMethod.Post, "/console/api/signup", """{"email":"csrf@csrf.example"}""")).Status);
    }

    [Fact]
    public async Task ForgedOrExpiredLookingToken_IsRefused()
    {
        using var client = _host.NewSession();
        Assert.Equal(404, (await VerifyAsync(client, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")).Status);
        var (weak, _) = await client.SendAsync(HttpMethod.Post, "/console/api/signup/verify", """{"token":"x","password":"short"}""");
        Assert.Equal(400, weak);
    }

    [Fact]
    public async Task InvitationLink_BoundToAnAccount_JoinsItWithItsRole()
    {
        var (created, account) = await _host.AdminAsync(HttpMethod.Post, "/admin/v1/accounts", """{"name":"team-x"}""");
        Assert.Equal(201, created);
        string accountId = account.GetProperty("id").GetString()!;
        var (invited, invitation) = await _host.AdminAsync(HttpMethod.Post, "/admin/v1/console/invitations",
            $$"""{"principal":"joiner@team.example","account_id":"{{accountId}}","role":"admin"}""");
        Assert.Equal(201, invited);
        string token = invitation.GetProperty("token").GetString()!;
        Assert.EndsWith("#invite=" + token, invitation.GetProperty("link").GetString(), StringComparison.Ordinal);

        using var client = _host.NewSession();
        var (peeked, preview) = await client.SendAsync(HttpMethod.Post, "/console/api/invitations/peek", JsonSerializer.Serialize(new { token }));
        Assert.Equal(200, peeked);
        Assert.Equal("team-x", preview.GetProperty("account_name").GetString());
        Assert.Equal("admin", preview.GetProperty("role").GetString());
        Assert.False(preview.GetProperty("opens_account").GetBoolean());

        Assert.Equal(200, (await client.SendAsync(HttpMethod.Post, "/console/api/invitations/accept",
            JsonSerializer.Serialize(new { token, password = SignUpHost.Password }))).Status);
        var (signedIn, session) = await client.SignInAsync("joiner@team.example", SignUpHost.Password);
        Assert.Equal(200, signedIn);
        var member = Assert.Single(session.GetProperty("accounts").EnumerateArray());
        Assert.Equal(accountId, member.GetProperty("id").GetString());
        Assert.Equal("admin", member.GetProperty("role").GetString());
        Assert.Empty(await LedgerAsync(accountId)); // joining an existing account grants nothing

        // Used once.
        Assert.Equal(404, (await client.SendAsync(HttpMethod.Post, "/console/api/invitations/peek", JsonSerializer.Serialize(new { token }))).Status);
    }

    [Fact]
    public async Task InvitationWithoutAccount_OutsideClosedMode_OpensOneWithTheGrant()
    {
        var (_, invitation) = await _host.AdminAsync(HttpMethod.Post, "/admin/v1/console/invitations", """{"principal":"invitee@solo.example"}""");
        string token = invitation.GetProperty("token").GetString()!;
        using var client = _host.NewSession();
        Assert.Equal(200, (await client.SendAsync(HttpMethod.Post, "/console/api/invitations/accept",
            JsonSerializer.Serialize(new { token, password = SignUpHost.Password }))).Status);
        var (_, session) = await client.SignInAsync("invitee@solo.example", SignUpHost.Password);
        var account = Assert.Single(session.GetProperty("accounts").EnumerateArray());
        Assert.Equal("owner", account.GetProperty("role").GetString());
        var entry = Assert.Single(await LedgerAsync(account.GetProperty("id").GetString()!));
        Assert.Equal(2_000_000, entry.GetProperty("amount_micros").GetInt64());
    }

    [Fact]
    public async Task ClosedMode_RefusesSignUpAndVerification()
    {
        await using var host = await SignUpHost.StartAsync(registration: null);
        using var client = host.NewSession();
        var (_, mode) = await client.SendAsync(HttpMethod.Get, "/console/api/registration");
        Assert.Equal("closed", mode.GetProperty("mode").GetString());
        var (status, body) = await client.SendAsync(HttpMethod.Post, "/console/api/signup", """{"email":"someone@closed.example"}""");
        Assert.Equal(403, status);
        Assert.Contains("closed", body.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(403, (await client.SendAsync(HttpMethod.Post, "/console/api/signup/verify",
            JsonSerializer.Serialize(new { token = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", password = SignUpHost.Password }))).Status);

        // An invitation naming no account makes a bare login there, as before.
        var (_, invitation) = await host.AdminAsync(HttpMethod.Post, "/admin/v1/console/invitations", """{"principal":"bare@closed.example"}""");
        Assert.Equal(200, (await client.SendAsync(HttpMethod.Post, "/console/api/invitations/accept",
            JsonSerializer.Serialize(new { token = invitation.GetProperty("token").GetString(), password = SignUpHost.Password }))).Status);
        var (_, session) = await client.SignInAsync("bare@closed.example", SignUpHost.Password);
        Assert.Empty(session.GetProperty("accounts").EnumerateArray());
        Assert.Empty(host.Smtp.Messages);
    }

    [Theory]
    [InlineData("203.0.113.7", "203.0.113.7")]
    [InlineData("::ffff:203.0.113.7", "203.0.113.7")]
    [InlineData("2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64")]
    [InlineData("2001:db8:1:2:ffff:ffff:ffff:ffff", "2001:db8:1:2::/64")]
    public void PerAddressLimit_CountsIPv4AddressesAndIPv6Slash64s(string address, string counted) =>
        Assert.Equal(counted, Candor.Server.WebConsole.SignUpEndpoints.LimitAddress(System.Net.IPAddress.Parse(address)));
}
