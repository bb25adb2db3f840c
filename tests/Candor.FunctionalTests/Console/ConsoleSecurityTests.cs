using Candor.FunctionalTests.Infrastructure;
using System.Net;
using Candor.FunctionalTests.Admin;

namespace Candor.FunctionalTests.WebConsole;

/// <summary>The console's security properties over HTTP: CSP and cookie attributes, wrong passwords and throttling,
/// session fixation, CSRF and Origin checks, and that a member's session reaches its own account's routes and nothing
/// else of the admin API.</summary>
public sealed class ConsoleSecurityTests(ConsoleFixture fixture) : IClassFixture<ConsoleFixture>
{
    [Theory]
    [InlineData("/console")]
    [InlineData("/console/app.js")]
    [InlineData("/console/api/session")]
    public async Task ConsoleResponses_CarryStrictContentSecurityPolicy(string path)
    {
        using var client = fixture.NewSession();
        using var response = await client.SendRawAsync(HttpMethod.Get, path);
        string csp = string.Join(";", response.Headers.GetValues("Content-Security-Policy"));
        Assert.Contains("default-src 'self'", csp, StringComparison.Ordinal);
        Assert.Contains("script-src 'self'", csp, StringComparison.Ordinal);
        Assert.Contains("frame-ancestors 'none'", csp, StringComparison.Ordinal);
        Assert.DoesNotContain("unsafe-inline", csp, StringComparison.Ordinal);
        Assert.DoesNotContain("unsafe-eval", csp, StringComparison.Ordinal);
        Assert.Equal("nosniff", string.Join("", response.Headers.GetValues("X-Content-Type-Options")));
    }

    [Fact]
    public async Task ConsolePage_HasNoInlineScriptOrStyleAndNoExternalResources()
    {
        using var client = fixture.NewSession();
        using var response = await client.SendRawAsync(HttpMethod.Get, "/console");
        string html = await response.Content.ReadAsStringAsync(Json.Timeout());
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.DoesNotContain("<script>", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<style", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("style=", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("http://", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("https://", html, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task SignIn_SetsHttpOnlyStrictCookieAndStoresOnlyItsHash()
    {
        using var client = fixture.NewSession();
        using var response = await client.SendRawAsync(HttpMethod.Post, "/console/api/session",
            $$"""{"principal":"{{fixture.MemberLogin}}","password":"{{ConsoleFixture.Password}}"}""");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        string cookie = Assert.Single(response.Headers.GetValues("Set-Cookie"));
        Assert.StartsWith("candor_session=", cookie, StringComparison.Ordinal);
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("secure", cookie.Replace("candor_session", "", StringComparison.Ordinal), StringComparison.OrdinalIgnoreCase); // plain HTTP here
        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());

        // The store holds the token's hash only.
        string token = client.SessionCookie!;
        var store = (Candor.Core.WebConsole.IConsoleStore)fixture.App.Services.GetService(typeof(Candor.Core.WebConsole.IConsoleStore))!;
        Assert.NotNull(await store.GetSessionAsync(Candor.Server.WebConsole.ConsoleSessions.HashToken(token), DateTimeOffset.UtcNow, Json.Timeout()));
        Assert.Null(await store.GetSessionAsync(token, DateTimeOffset.UtcNow, Json.Timeout()));
    }

    [Fact]
    public async Task WrongPassword_IsRefusedAndThrottledPerPrincipalAndAddress()
    {
        const string principal = "throttled@example.com";
        using var client = fixture.NewSession();
        for (int i = 0; i < Candor.Server.WebConsole.SignInThrottle.PerPrincipal; i++)
        {
            Assert.Equal(401, (await client.SignInAsync(principal, "wrong password " + i)).Status);
        }

        using var response = await client.SendRawAsync(HttpMethod.Post, "/console/api/session", $$"""{"principal":"{{principal}}","password":"whatever it is"}""");
        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        Assert.NotNull(response.Headers.RetryAfter);

        // Another principal from the same address is not blocked by that principal's failures.
        Assert.Equal(200, (await client.SignInAsync(fixture.MemberLogin, ConsoleFixture.Password)).Status);
    }

    [Fact]
    public async Task SessionFixation_PlantedCookieNeverBecomesTheSession()
    {
        using var client = fixture.NewSession();
        const string planted = "planted-token-chosen-by-an-attacker-000000000";
        client.Cookies.Add(fixture.BaseAddress, new Cookie("candor_session", planted, "/"));
        Assert.Equal(401, (await client.SendAsync(HttpMethod.Get, "/console/api/session")).Status);

        Assert.Equal(200, (await client.SignInAsync(fixture.MemberLogin, ConsoleFixture.Password)).Status);
        string first = client.SessionCookie!;
        Assert.NotEqual(planted, first);

        // A second sign-in issues yet another token and ends the first session.
        string firstCsrf = client.Csrf!;
        Assert.Equal(200, (await client.SignInAsync(fixture.MemberLogin, ConsoleFixture.Password)).Status);
        Assert.NotEqual(first, client.SessionCookie);
        Assert.NotEqual(firstCsrf, client.Csrf);
        using var stale = fixture.NewSession();
        stale.Cookies.Add(fixture.BaseAddress, new Cookie("candor_session", first, "/"));
        Assert.Equal(401, (await stale.SendAsync(HttpMethod.Get, "/console/api/session")).Status);
        Assert.Equal(401, (await stale.SendAsync(HttpMethod.Get, $"/admin/v1/accounts/{fixture.AccountA}/keys")).Status);
    }

    [Fact]
    public async Task StateChange_WithoutCsrfTokenOrFromAnotherOrigin_IsRefused()
    {
        using var client = fixture.NewSession();
        Assert.Equal(200, (await client.SignInAsync(fixture.MemberLogin, ConsoleFixture.Password)).Status);
        string keys = $"/admin/v1/accounts/{fixture.AccountA}/keys";

        var (noToken, body) = await client.SendAsync(HttpMethod.Post, keys, """{"name":"csrf"}""", csrf: false);
        Assert.Equal(403, noToken);
        Assert.Equal("csrf_error", body.GetProperty("error").GetProperty("type").GetString());

        string good = client.Csrf!;
        client.Csrf = good[..^2] + (good[^1] == 'A' ? "BB" : "AA");
        Assert.Equal(403, (await client.SendAsync(HttpMethod.Post, keys, """{"name":"csrf"}""")).Status);

        client.Csrf = good;
        client.Origin = "https://evil.example";
        Assert.Equal(403, (await client.SendAsync(HttpMethod.Post, keys, """{"name":"csrf"}""")).Status);
        client.Origin = null;
        Assert.Equal(403, (await client.SendAsync(HttpMethod.Post, keys, """{"name":"csrf"}""")).Status);

        // Nothing was created; with the token and this origin it works.
        var (_, listed) = await client.SendAsync(HttpMethod.Get, keys);
        Assert.DoesNotContain(listed.GetProperty("data").EnumerateArray(), k => k.GetProperty("name").GetString() == "csrf");
        client.Origin = fixture.BaseAddress.GetLeftPart(UriPartial.Authority);
        Assert.Equal(201, (await client.SendAsync(HttpMethod.Post, keys, """{"name":"csrf"}""")).Status);

        // Sign-in from another origin (login CSRF) is refused too.
        using var other = fixture.NewSession();
        other.Origin = "https://evil.example";
        Assert.Equal(403, (await other.SignInAsync(fixture.MemberLogin, ConsoleFixture.Password)).Status);
    }

    [Fact]
    public async Task MemberSession_ReachesOwnAccountOnly_AndNoOperatorRoute()
    {
        using var client = fixture.NewSession();
        Assert.Equal(200, (await client.SignInAsync(fixture.MemberLogin, ConsoleFixture.Password)).Status);
        Assert.Equal(200, (await client.SendAsync(HttpMethod.Get, $"/admin/v1/accounts/{fixture.AccountA}/keys")).Status);
        Assert.Equal(200, (await client.SendAsync(HttpMethod.Get, $"/admin/v1/accounts/{fixture.AccountA}/usage")).Status);

        int checkedRoutes = 0;
        foreach (var (method, pattern) in AdminRoutes.Mapped(fixture.App))
        {
            // Every route of another account, and every route that is not an account's own, is forbidden.
            foreach (string accountId in new[] { fixture.AccountB, "acct_none" })
            {
                string path = AdminRoutes.Fill(pattern, accountId, "key_x").Replace("{receiptId}", "rcpt_00", StringComparison.Ordinal)
                    .Replace("{deploymentId}", "dep_x", StringComparison.Ordinal).Replace("{channelId}", fixture.ChannelId, StringComparison.Ordinal);
                var (status, body) = await client.SendAsync(new HttpMethod(method), path, method is "GET" or "DELETE" ? null : "{}");
                Assert.True(status == 403, $"{method} {path}: {status}");
                Assert.Equal("permission_error", body.GetProperty("error").GetProperty("type").GetString());
                checkedRoutes++;
            }
        }

        Assert.True(checkedRoutes > 40, $"only {checkedRoutes} routes checked");

        // The channel the operator created is still enabled.
        var (_, channel) = await fixture.AdminAsync(HttpMethod.Get, $"/admin/v1/channels/{fixture.ChannelId}");
        Assert.False(channel.GetProperty("disabled").GetBoolean());
    }

    [Fact]
    public async Task OperatorSession_UsesOperatorRoutes_AndSignOutEndsTheSession()
    {
        using var client = fixture.NewSession();
        Assert.Equal(200, (await client.SignInAsync(fixture.OperatorLogin, ConsoleFixture.Password)).Status);
        Assert.Equal(200, (await client.SendAsync(HttpMethod.Get, "/admin/v1/channels")).Status);
        Assert.Equal(200, (await client.SendAsync(HttpMethod.Get, $"/admin/v1/accounts/{fixture.AccountB}/keys")).Status);

        Assert.Equal(403, (await client.SendAsync(HttpMethod.Delete, "/console/api/session", csrf: false)).Status);
        Assert.Equal(204, (await client.SendAsync(HttpMethod.Delete, "/console/api/session")).Status);
        Assert.Equal(401, (await client.SendAsync(HttpMethod.Get, "/admin/v1/channels")).Status);
    }

    [Fact]
    public async Task Invitation_WorksOnce()
    {
        var (_, invitation) = await fixture.AdminAsync(HttpMethod.Post, "/admin/v1/console/invitations", """{"principal":"once@example.com"}""");
        string token = invitation.GetProperty("token").GetString()!;
        Assert.StartsWith("/console/#invite=", invitation.GetProperty("link").GetString(), StringComparison.Ordinal);
        using var client = fixture.NewSession();
        string body = $$"""{"token":"{{token}}","password":"{{ConsoleFixture.Password}}"}""";
        Assert.Equal(400, (await client.SendAsync(HttpMethod.Post, "/console/api/invitations/accept", $$"""{"token":"{{token}}","password":"short"}""")).Status);
        Assert.Equal(200, (await client.SendAsync(HttpMethod.Post, "/console/api/invitations/accept", body)).Status);
        Assert.Equal(404, (await client.SendAsync(HttpMethod.Post, "/console/api/invitations/accept", body)).Status);
        Assert.Equal(200, (await client.SignInAsync("once@example.com", ConsoleFixture.Password)).Status);
    }

    [Fact]
    public async Task CliInvite_PrintsALinkThatSetsAPassword()
    {
        var (code, output, error) = await fixture.RunCliAsync("console", "invite", "--principal", "cli@example.com", "--url", "https://relay.example");
        Assert.True(code == 0, error);
        string link = output.Split('\n').Select(static l => l.Trim()).Single(static l => l.StartsWith("https://relay.example/console/#invite=", StringComparison.Ordinal));
        string token = link[(link.IndexOf('=', StringComparison.Ordinal) + 1)..];
        using var client = fixture.NewSession();
        Assert.Equal(401, (await client.SignInAsync("cli@example.com", ConsoleFixture.Password)).Status);
        Assert.Equal(200, (await client.SendAsync(HttpMethod.Post, "/console/api/invitations/accept", $$"""{"token":"{{token}}","password":"{{ConsoleFixture.Password}}"}""")).Status);
        var (status, session) = await client.SignInAsync("cli@example.com", ConsoleFixture.Password);
        Assert.Equal(200, status);
        Assert.False(session.GetProperty("operator").GetBoolean());
        Assert.Empty(session.GetProperty("accounts").EnumerateArray());
    }
}
