using Candor.Core.Configuration;

namespace Candor.Server.Hosting;

/// <summary>What sits between the network and the surfaces: TLS from certificate files (<c>server.tls</c> or
/// <c>--tls-cert</c>/<c>--tls-key</c>), the client address behind trusted proxies (<c>server.trusted_proxies</c>),
/// and Gemini's <c>?key=</c> kept out of every log (<see cref="QueryKey"/>). See docs/operations.md.</summary>
internal static class NetworkSetup
{
    /// <summary>Configures the builder. An https address without a certificate, half a certificate pair, or files
    /// that do not load stop startup with a <see cref="ConfigException"/>.</summary>
    public static void Configure(WebApplicationBuilder builder, CandorConfig config, ServeOptions options)
    {
        QueryKey.AddTo(builder.Services);
        // Kestrel quotes a malformed request line (which may carry ?key=) in its bad-request log when that category is
        // enabled at Information; such a request never reaches QueryKey, so the category stays off.
        builder.Logging.AddFilter("Microsoft.AspNetCore.Server.Kestrel.BadRequests", LogLevel.None);
        string? certificate = options.TlsCertificateFile ?? config.TlsCertificateFile;
        string? key = options.TlsKeyFile ?? config.TlsKeyFile;
        if ((options.TlsCertificateFile is null) != (options.TlsKeyFile is null))
        {
            throw new ConfigException("--tls-cert and --tls-key go together");
        }

        bool https = options.Urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Any(static u => u.StartsWith("https://", StringComparison.OrdinalIgnoreCase));
        if (certificate is null || key is null)
        {
            if (https)
            {
                throw new ConfigException("an https address needs a certificate: set server.tls.certificate_file and server.tls.key_file (PEM), or give --tls-cert and --tls-key");
            }

            return;
        }

        var source = TlsCertificateSource.Load(certificate, key, options.TimeProvider);
        builder.Services.AddSingleton(source);
        builder.WebHost.UseKestrelHttpsConfiguration();
        builder.WebHost.ConfigureKestrel(k => k.ConfigureHttpsDefaults(h =>
        {
            // The selector satisfies Kestrel's "a certificate is configured" check; the handshake itself uses the
            // certificate context, which carries the intermediates of the PEM file.
            h.ServerCertificateSelector = (_, _) => source.Current.TargetCertificate;
            h.OnAuthenticate = (_, ssl) =>
            {
                ssl.ServerCertificateSelectionCallback = null;
                ssl.ServerCertificate = null;
                ssl.ServerCertificateContext = source.Current;
            };
        }));
    }

    /// <summary>Adds the forwarded-client middleware (first, so every later reader sees the client's address) and
    /// starts the certificate source's logging.</summary>
    public static void Use(WebApplication app, CandorConfig config)
    {
        app.Services.GetService<TlsCertificateSource>()?.Attach(app.Services.GetRequiredService<ILoggerFactory>().CreateLogger<TlsCertificateSource>());
        if (config.TrustedProxies.Count > 0)
        {
            var forwarded = new ForwardedClient(config.TrustedProxies, config.ForwardedHeader);
            app.Use(forwarded.InvokeAsync);
        }
    }
}
