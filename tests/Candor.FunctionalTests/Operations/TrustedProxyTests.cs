using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Candor.FunctionalTests.Infrastructure;
using Candor.Server.Hosting;
using Microsoft.AspNetCore.Http;

namespace Candor.FunctionalTests.Operations;

/// <summary>A stored key limited to 203.0.113.0/24 used through a proxy: the forwarding header names the client only
/// when the peer is a configured trusted proxy; from any other peer it is ignored (issue 13, item 13). The same proxies
/// name the client's scheme (X-Forwarded-Proto, Forwarded proto=): the console cookie is Secure behind a proxy that
/// ended TLS, and a client cannot claim https itself.</summary>
public sealed class TrustedProxyTests
{
    private static async Task<string> RunAsync(CandorTestHost host, params string[] args)
    {
        var (code, output, error) = await host.RunCliAsync(args);
        Assert.True(code == 0, error);
        return output;
    }

    /// <summary>Starts Candor with <paramref name="server"/> lines in its server section and a key limited to
    /// 203.0.113.0/24, made through the CLI before the start; returns the host and the key.</summary>
    private static async Task<(CandorTestHost App, string Key)> StartAsync(string server, CancellationToken ct)
    {
        string key = "";
        var host = await CandorTestHost.Create().ServeData().BeforeStart(async (h, _) =>
        {
            await RunAsync(h, "init");
            string account = JsonDocument.Parse(await RunAsync(h, "accounts", "create", "--name", "A")).RootElement.GetProperty("id").GetString()!;
            key = JsonDocument.Parse(await RunAsync(h, "keys", "create", "--account", account, "--name", "k", "--cidrs", "203.0.113.0/24"))
                .RootElement.GetProperty("key").GetString()!;
        }).Yaml($"""
            server:
              data_dir: data
            {server}
            channels:
              - id: nowhere
                provider: openai
                base_url: http://127.0.0.1:9/v1
            models:
              - name: m
                deployments: [{"{"} channel: nowhere, model: gpt-4o-mini {"}"}]
            """).StartAsync(ct);
        return (host, key);
    }

    private static async Task<HttpStatusCode> ModelsAsync(CandorTestHost app, string key, string header, string? value, CancellationToken ct)
    {
        using var client = app.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/models");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        if (value is not null)
        {
            request.Headers.TryAddWithoutValidation(header, value);
        }

        using var response = await client.SendAsync(request, ct);
        return response.StatusCode;
    }

    [Fact]
    public async Task TrustedProxy_XForwardedFor_DecidesTheKeysAddressLimit()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var (app, key) = await StartAsync("  trusted_proxies: [127.0.0.1, 10.0.0.0/8]", cts.Token);
        await using (app)
        {
            Assert.Equal(HttpStatusCode.Forbidden, await ModelsAsync(app, key, "X-Forwarded-For", null, cts.Token));
            Assert.Equal(HttpStatusCode.OK, await ModelsAsync(app, key, "X-Forwarded-For", "203.0.113.7", cts.Token));
            Assert.Equal(HttpStatusCode.Forbidden, await ModelsAsync(app, key, "X-Forwarded-For", "198.51.100.1", cts.Token));
            // Two trusted hops (nginx at 10.1.2.3 behind another proxy): the first untrusted address from the right.
            Assert.Equal(HttpStatusCode.OK, await ModelsAsync(app, key, "X-Forwarded-For", "198.51.100.1, 203.0.113.7, 10.1.2.3", cts.Token));
            // The client wrote 203.0.113.7 itself and nginx appended its real address: the real one decides.
            Assert.Equal(HttpStatusCode.Forbidden, await ModelsAsync(app, key, "X-Forwarded-For", "203.0.113.7, 198.51.100.1", cts.Token));
            Assert.Equal(HttpStatusCode.Forbidden, await ModelsAsync(app, key, "X-Forwarded-For", "garbage", cts.Token));
            // Only the configured header counts: Forwarded passes through nginx untouched, so the client wrote it.
            Assert.Equal(HttpStatusCode.Forbidden, await ModelsAsync(app, key, "Forwarded", "for=203.0.113.7", cts.Token));
        }
    }

    [Fact]
    public async Task TrustedProxy_Forwarded_DecidesTheKeysAddressLimit()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var (app, key) = await StartAsync("  trusted_proxies: [127.0.0.0/8]\n  forwarded_header: forwarded", cts.Token);
        await using (app)
        {
            Assert.Equal(HttpStatusCode.OK, await ModelsAsync(app, key, "Forwarded", "for=\"203.0.113.7:4711\";proto=https", cts.Token));
            Assert.Equal(HttpStatusCode.Forbidden, await ModelsAsync(app, key, "Forwarded", "for=198.51.100.1", cts.Token));
            Assert.Equal(HttpStatusCode.Forbidden, await ModelsAsync(app, key, "Forwarded", "for=unknown", cts.Token));
            Assert.Equal(HttpStatusCode.Forbidden, await ModelsAsync(app, key, "X-Forwarded-For", "203.0.113.7", cts.Token));
        }
    }

    [Fact]
    public async Task UntrustedPeer_ForwardingHeadersAreIgnored()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var (app, key) = await StartAsync("  trusted_proxies: [10.0.0.0/8]", cts.Token);
        await using (app)
        {
            Assert.Equal(HttpStatusCode.Forbidden, await ModelsAsync(app, key, "X-Forwarded-For", "203.0.113.7", cts.Token));
        }
    }

    /// <summary>Candor with a data directory (the console) behind <paramref name="server"/>'s proxies, and a console login
    /// made by invitation; returns the host and the login's principal.</summary>
    private static async Task<(CandorTestHost App, string Principal)> StartConsoleAsync(string server, CancellationToken ct)
    {
        var host = await CandorTestHost.Create().Bootstrap().Yaml($"""
            server:
              data_dir: data
            {server}
            channels:
              - id: nowhere
                provider: openai
                base_url: http://127.0.0.1:9/v1
            models:
              - name: m
                deployments: [{"{"} channel: nowhere, model: gpt-4o-mini {"}"}]
            """).StartAsync(ct);
        var (status, text) = await host.SendAsync(host.OperatorKey, HttpMethod.Post, "/admin/v1/console/invitations",
            """{"principal":"proxy@example.com","operator":false}""", ct);
        Assert.True(status == 201, text);
        string token = JsonDocument.Parse(text).RootElement.GetProperty("token").GetString()!;
        var (accepted, _) = await ConsolePostAsync(host, "/console/api/invitations/accept", $$"""{"token":"{{token}}","password":"{{Password}}"}""",
            host.BaseAddress.GetLeftPart(UriPartial.Authority), null, null, ct);
        Assert.Equal(HttpStatusCode.OK, accepted);
        return (host, "proxy@example.com");
    }

    private const string Password = "correct horse battery";

    /// <summary>A console POST as a browser sends it (with <paramref name="origin"/>), with one forwarding header; the
    /// status and the Set-Cookie header.</summary>
    private static async Task<(HttpStatusCode Status, string Cookie)> ConsolePostAsync(CandorTestHost host, string path, string body, string origin,
        string? header, string? value, CancellationToken ct)
    {
        using var client = host.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json") };
        request.Headers.Add("Origin", origin);
        if (header is not null)
        {
            request.Headers.TryAddWithoutValidation(header, value);
        }

        using var response = await client.SendAsync(request, ct);
        return (response.StatusCode, response.Headers.TryGetValues("Set-Cookie", out var cookies) ? string.Join('\n', cookies) : "");
    }

    private static bool IsSecure(string cookie) =>
        cookie.Split(';', StringSplitOptions.TrimEntries).Any(static a => a.Equals("secure", StringComparison.OrdinalIgnoreCase));

    [Fact]
    public async Task TrustedProxyEndingTls_ConsoleCookieIsSecure()
    {
        var ct = Json.Timeout(120);
        var (app, principal) = await StartConsoleAsync("  trusted_proxies: [127.0.0.1]", ct);
        await using (app)
        {
            string https = "https://" + app.BaseAddress.Authority;
            string signIn = $$"""{"principal":"{{principal}}","password":"{{Password}}"}""";

            // nginx ended TLS and says so: the request is https, the browser's https Origin is this server's own.
            var (status, cookie) = await ConsolePostAsync(app, "/console/api/session", signIn, https, "X-Forwarded-Proto", "https", ct);
            Assert.Equal(HttpStatusCode.OK, status);
            Assert.StartsWith("candor_session=", cookie, StringComparison.Ordinal);
            Assert.True(IsSecure(cookie), cookie);

            // Several values (a proxy that appends): the nearest proxy's, the last, decides.
            (status, cookie) = await ConsolePostAsync(app, "/console/api/session", signIn, https, "X-Forwarded-Proto", "http, https", ct);
            Assert.Equal(HttpStatusCode.OK, status);
            Assert.True(IsSecure(cookie), cookie);

            // Without the header the request is plain http: no Secure flag, and an https Origin is another origin.
            (status, cookie) = await ConsolePostAsync(app, "/console/api/session", signIn, app.BaseAddress.GetLeftPart(UriPartial.Authority), null, null, ct);
            Assert.Equal(HttpStatusCode.OK, status);
            Assert.False(IsSecure(cookie), cookie);
            (status, _) = await ConsolePostAsync(app, "/console/api/session", signIn, https, null, null, ct);
            Assert.Equal(HttpStatusCode.Forbidden, status);

            // Only the configured header's family counts: Forwarded's proto= is not read with x-forwarded-for.
            (status, _) = await ConsolePostAsync(app, "/console/api/session", signIn, https, "Forwarded", "for=203.0.113.7;proto=https", ct);
            Assert.Equal(HttpStatusCode.Forbidden, status);
        }
    }

    [Fact]
    public async Task UntrustedPeer_ForwardedProtoIsIgnored()
    {
        var ct = Json.Timeout(120);
        var (app, principal) = await StartConsoleAsync("  trusted_proxies: [10.0.0.0/8]\n  forwarded_header: forwarded", ct);
        await using (app)
        {
            string http = app.BaseAddress.GetLeftPart(UriPartial.Authority);
            string signIn = $$"""{"principal":"{{principal}}","password":"{{Password}}"}""";
            foreach (var (header, value) in new[] { ("Forwarded", "for=203.0.113.7;proto=https"), ("X-Forwarded-Proto", "https") })
            {
                // A client naming https itself does not make its plain-http cookie Secure (nor its https Origin this server's).
                var (status, cookie) = await ConsolePostAsync(app, "/console/api/session", signIn, http, header, value, ct);
                Assert.Equal(HttpStatusCode.OK, status);
                Assert.False(IsSecure(cookie), cookie);
                (status, _) = await ConsolePostAsync(app, "/console/api/session", signIn, "https://" + app.BaseAddress.Authority, header, value, ct);
                Assert.Equal(HttpStatusCode.Forbidden, status);
            }
        }
    }

    [Theory]
    [InlineData("x-forwarded-for", "10.0.0.1", "X-Forwarded-Proto", "https", "https")]
    [InlineData("x-forwarded-for", "10.0.0.1", "X-Forwarded-Proto", "HTTPS", "https")]
    [InlineData("x-forwarded-for", "10.0.0.1", "X-Forwarded-Proto", "https, http", "http")]
    [InlineData("x-forwarded-for", "10.0.0.1", "X-Forwarded-Proto", "ftp", null)]
    [InlineData("x-forwarded-for", "192.0.2.1", "X-Forwarded-Proto", "https", null)]
    [InlineData("x-forwarded-for", "10.0.0.1", "Forwarded", "for=203.0.113.7;proto=https", null)]
    [InlineData("forwarded", "10.0.0.1", "Forwarded", "for=203.0.113.7;proto=https", "https")]
    [InlineData("forwarded", "10.0.0.1", "Forwarded", "for=203.0.113.7;proto=https, for=10.0.0.2;proto=http", "https")]
    [InlineData("forwarded", "10.0.0.1", "Forwarded", "for=203.0.113.7;proto=http, for=198.51.100.1;proto=https", "https")]
    [InlineData("forwarded", "10.0.0.1", "Forwarded", "for=unknown;proto=https", "https")]
    [InlineData("forwarded", "10.0.0.1", "Forwarded", "for=203.0.113.7", null)]
    [InlineData("forwarded", "192.0.2.1", "Forwarded", "for=203.0.113.7;proto=https", null)]
    [InlineData("forwarded", "10.0.0.1", "X-Forwarded-Proto", "https", null)]
    public void ForwardedProto_NamesTheClientsScheme_OnlyFromATrustedProxy(string configured, string peer, string header, string value, string? expected)
    {
        var resolver = new ForwardedClient([IPNetwork.Parse("10.0.0.0/8")], configured);
        resolver.Resolve(IPAddress.Parse(peer), new HeaderDictionary { [header] = value }, out string? scheme);
        Assert.Equal(expected, scheme);
    }

    [Theory]
    [InlineData("192.0.2.1", "203.0.113.7", "192.0.2.1")]
    [InlineData("10.0.0.1", "203.0.113.7", "203.0.113.7")]
    [InlineData("::ffff:10.0.0.1", "[2001:db8::1]:4711", "2001:db8::1")]
    [InlineData("10.0.0.1", "203.0.113.7:8080", "203.0.113.7")]
    [InlineData("10.0.0.1", "10.0.0.2, 10.0.0.3", "10.0.0.2")]
    [InlineData("10.0.0.1", "1", "10.0.0.1")]
    [InlineData("10.0.0.1", "", "10.0.0.1")]
    public void XForwardedFor_ResolvesTheClient(string peer, string header, string expected)
    {
        var resolver = new ForwardedClient([IPNetwork.Parse("10.0.0.0/8")], "x-forwarded-for");
        var headers = new HeaderDictionary { ["X-Forwarded-For"] = header };
        Assert.Equal(IPAddress.Parse(expected), resolver.Resolve(IPAddress.Parse(peer), headers));
    }

    [Theory]
    [InlineData("for=192.0.2.60;proto=http;by=203.0.113.43", "192.0.2.60")]
    [InlineData("For=\"[2001:db8:cafe::17]:4711\"", "2001:db8:cafe::17")]
    [InlineData("for=192.0.2.43, for=198.51.100.17", "198.51.100.17")]
    [InlineData("for=_hidden", "10.0.0.1")]
    [InlineData("proto=https", "10.0.0.1")]
    public void Forwarded_ResolvesTheClient(string header, string expected)
    {
        var resolver = new ForwardedClient([IPNetwork.Parse("10.0.0.0/8")], "forwarded");
        Assert.Equal(IPAddress.Parse(expected), resolver.Resolve(IPAddress.Parse("10.0.0.1"), new HeaderDictionary { ["Forwarded"] = header }));
    }
}
