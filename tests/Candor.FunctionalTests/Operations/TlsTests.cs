using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Candor.Core.Configuration;
using Candor.FunctionalTests.Infrastructure;

namespace Candor.FunctionalTests.Operations;

/// <summary><c>serve --urls https://…</c> serves the certificate of its PEM files and the files' replacement once
/// they change; https without a certificate stops startup with a clear message (issue 13, item 13).</summary>
public sealed class TlsTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("candor-tls-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>Candor in the test's directory (beside its PEM files) on <paramref name="urls"/>, with
    /// <paramref name="extraServer"/> lines in its server section.</summary>
    private CandorTestHost.Builder Host(string urls, string extraServer = "") => CandorTestHost.Create()
        .InDirectory(_dir)
        .Env("CLIENT_KEY", "sk-test-0123456789abcdefghijkl")
        .Urls(urls)
        .Yaml($"""
            server:
              max_request_bytes: 1048576
            {extraServer}
            channels:
              - id: nowhere
                provider: openai
                base_url: http://127.0.0.1:9/v1
            models:
              - name: m
                deployments: [{"{"} channel: nowhere, model: gpt-4o-mini {"}"}]
            keys:
              - name: test
                key_env: CLIENT_KEY
            """);

    /// <summary>Writes a fresh self-signed certificate for localhost as PEM files; returns its thumbprint.</summary>
    private static async Task<string> WriteCertificateAsync(string certificateFile, string keyFile, string name)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddIpAddress(System.Net.IPAddress.Loopback);
        request.CertificateExtensions.Add(san.Build());
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        await File.WriteAllTextAsync(keyFile, key.ExportPkcs8PrivateKeyPem());
        await File.WriteAllTextAsync(certificateFile, certificate.ExportCertificatePem());
        return certificate.Thumbprint;
    }

    /// <summary>The thumbprint of the certificate a TLS handshake with <paramref name="address"/> is given.</summary>
    private static async Task<string> ServedThumbprintAsync(Uri address, CancellationToken ct)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(address.Host, address.Port, ct);
        string? thumbprint = null;
        await using var tls = new SslStream(tcp.GetStream(), false, (_, certificate, _, _) =>
        {
            // The test's self-signed certificate is accepted by its thumbprint being captured, not by a chain.
            thumbprint = certificate?.GetCertHashString();
            return thumbprint is not null;
        });
        await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = "localhost" }, ct);
        await tls.WriteAsync("GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"u8.ToArray(), ct);
        var buffer = new byte[256];
        int read = await tls.ReadAsync(buffer, ct);
        Assert.StartsWith("HTTP/1.1 200", System.Text.Encoding.ASCII.GetString(buffer, 0, read), StringComparison.Ordinal);
        return thumbprint!;
    }

    [Fact]
    public async Task Https_ServesTheFilesCertificateAndItsReplacement()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        string certificateFile = Path.Combine(_dir, "cert.pem"), keyFile = Path.Combine(_dir, "key.pem");
        string first = await WriteCertificateAsync(certificateFile, keyFile, "first");
        await using var host = await Host("https://127.0.0.1:0", $"  tls: {{ certificate_file: cert.pem, key_file: key.pem }}").StartAsync(cts.Token);
        var address = host.BaseAddress;

        Assert.Equal(first, await ServedThumbprintAsync(address, cts.Token));

        // A half-written renewal (a key that is not PEM) does not load: the first certificate keeps serving.
        await File.WriteAllTextAsync(keyFile, "not a key", cts.Token);
        await Task.Delay(1200, cts.Token);
        Assert.Equal(first, await ServedThumbprintAsync(address, cts.Token));

        string second = await WriteCertificateAsync(certificateFile, keyFile, "second");
        Assert.NotEqual(first, second);
        string served = first;
        while (served != second)
        {
            await Task.Delay(200, cts.Token);
            served = await ServedThumbprintAsync(address, cts.Token);
        }
    }

    [Fact]
    public async Task Https_ClientsNegotiateHttp2ByAlpn_AndHttp11StillServes()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        string certificateFile = Path.Combine(_dir, "cert.pem"), keyFile = Path.Combine(_dir, "key.pem");
        string thumbprint = await WriteCertificateAsync(certificateFile, keyFile, "h2");
        await using var host = await Host("https://127.0.0.1:0", $"  tls: {{ certificate_file: cert.pem, key_file: key.pem }}").StartAsync(cts.Token);
        using var handler = new SocketsHttpHandler
        {
            SslOptions = { RemoteCertificateValidationCallback = (_, certificate, _, _) => certificate?.GetCertHashString() == thumbprint },
        };
        using var client = new HttpClient(handler) { BaseAddress = host.BaseAddress };

        foreach (var version in new[] { System.Net.HttpVersion.Version20, System.Net.HttpVersion.Version11 })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/livez") { Version = version, VersionPolicy = HttpVersionPolicy.RequestVersionExact };
            using var response = await client.SendAsync(request, cts.Token);
            Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
            Assert.Equal(version, response.Version);
        }
    }

    [Fact]
    public async Task Https_CertificateFromTheCommandLineOverridesNone()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        string certificateFile = Path.Combine(_dir, "c.pem"), keyFile = Path.Combine(_dir, "k.pem");
        string thumbprint = await WriteCertificateAsync(certificateFile, keyFile, "cli");
        await using var host = await Host("https://127.0.0.1:0").Tls(certificateFile, keyFile).StartAsync(cts.Token);

        Assert.Equal(thumbprint, await ServedThumbprintAsync(host.BaseAddress, cts.Token));
    }

    [Fact]
    public async Task HttpsWithoutCertificate_StopsStartupWithAClearMessage()
    {
        var e = await Assert.ThrowsAsync<ConfigException>(() => Host("http://127.0.0.1:0;https://127.0.0.1:0").StartAsync());
        Assert.Contains("an https address needs a certificate", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CertificateThatDoesNotLoad_StopsStartupNamingTheFiles()
    {
        await File.WriteAllTextAsync(Path.Combine(_dir, "cert.pem"), "garbage");
        await File.WriteAllTextAsync(Path.Combine(_dir, "key.pem"), "garbage");
        var e = await Assert.ThrowsAsync<ConfigException>(() => Host("https://127.0.0.1:0", $"  tls: {{ certificate_file: cert.pem, key_file: key.pem }}").StartAsync());
        Assert.Contains("cert.pem", e.Message, StringComparison.Ordinal);
    }
}
