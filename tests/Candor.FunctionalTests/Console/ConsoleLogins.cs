using Candor.FunctionalTests.Infrastructure;

namespace Candor.FunctionalTests.WebConsole;

/// <summary>Console logins made as an operator would: an invitation through the admin API, accepted through the console's
/// session API as a browser would (the one helper of <see cref="ConsoleFixture"/>, <see cref="SignUpHost"/> and the
/// console checkout tests).</summary>
internal static class ConsoleLogins
{
    /// <summary>The password every test login is accepted with.</summary>
    public const string Password = "correct horse battery";

    /// <summary>Invites <paramref name="principal"/> (<paramref name="invitation"/>: more fields of the invitation, for
    /// example <c>"account_id":"…","role":"member"</c>) and accepts with <see cref="Password"/>.</summary>
    public static async Task CreateAsync(CandorTestHost host, string principal, bool isOperator = false, string? invitation = null)
    {
        var (status, text) = await host.SendAsync(host.OperatorKey, HttpMethod.Post, "/admin/v1/console/invitations",
            $$"""{"principal":"{{principal}}","operator":{{(isOperator ? "true" : "false")}}{{(invitation is null ? "" : "," + invitation)}}}""", Json.Timeout());
        Assert.True(status == 201, text);
        using var session = new ConsoleClient(host.BaseAddress);
        var (accepted, _) = await session.SendAsync(HttpMethod.Post, "/console/api/invitations/accept",
            $$"""{"token":"{{Json.ParseOrDefault(text).GetProperty("token").GetString()}}","password":"{{Password}}"}""");
        Assert.Equal(200, accepted);
    }
}
