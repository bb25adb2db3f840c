using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Candor.FunctionalTests.Infrastructure;
using Candor.Server.Hosting;
using Microsoft.AspNetCore.Http;

namespace Candor.FunctionalTests.Operations;

/// <summary>A stored key limited to 203.0.113.0/24 used through a proxy: the forwarding header names the client only
/// when the peer is a configured trusted proxy; from any other peer it is ignored (issue 13, item 13).</summary>
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
