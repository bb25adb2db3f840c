using System.Text.Json;
using Candor.FunctionalTests.Infrastructure;
using Microsoft.AspNetCore.Builder;

namespace Candor.FunctionalTests.WebConsole;

/// <summary>A Candor with a data directory, a <c>registration</c> section and an <see cref="SmtpSink"/> as its mail
/// server, for the sign-up and second-factor tests. Logins are made as an operator would: invitation, acceptance.</summary>
public sealed class SignUpHost : IAsyncDisposable
{
    public const string Password = ConsoleLogins.Password;

    public const string PublicUrl = "https://console.example.test";

    public const string SmtpPassword = "smtp-secret-from-the-environment";

    private CandorTestHost? _host;

    private SignUpHost(SmtpSink smtp) => Smtp = smtp;

    public SmtpSink Smtp { get; }

    public WebApplication App => _host!.App;

    public Uri BaseAddress => _host!.BaseAddress;

    /// <summary>Starts a host whose <c>registration</c> section is <paramref name="registration"/> (YAML lines under the
    /// section key, two-space indented; the sink's port replaces <c>{smtp_port}</c>), or no section when null.</summary>
    public static async Task<SignUpHost> StartAsync(string? registration, TimeProvider? clock = null)
    {
        var host = new SignUpHost(new SmtpSink());
        string section = registration is null ? "" : "registration:\n" + registration.Replace("{smtp_port}", host.Smtp.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);
        var builder = CandorTestHost.Create()
            .Prefix("candor-signup-")
            .Env("CLIENT_KEY", CandorFixture.Key)
            .Env("CANDOR_SMTP_PASSWORD", SmtpPassword)
            .Bootstrap()
            .WithClientTimeout(TimeSpan.FromSeconds(20))
            .Yaml(emu => $$"""
                channels:
                  - id: oa
                    provider: openai
                    base_url: {{emu}}/v1
                    api_key_env: UPSTREAM_KEY
                models:
                  - name: m-openai
                    deployments: [{ channel: oa, model: gpt-4o-mini }]
                keys:
                  - name: test
                    key_env: CLIENT_KEY

                """ + section);
        if (clock is not null)
        {
            builder = builder.WithClock(clock);
        }

        host._host = await builder.StartAsync();
        return host;
    }

    /// <summary>The open-mode section most tests use.</summary>
    public static string Open(int perAddress = 100, int perDomain = 3, long grantMicros = 2_000_000) => $"""
          mode: open
          public_url: {PublicUrl}
          initial_grant_micros: {grantMicros}
          per_address: {perAddress}
          per_domain: {perDomain}
          window: 1h
          link_lifetime: 2h
          smtp:
            host: 127.0.0.1
            port: {"{smtp_port}"}
            security: none
            user: candor-mailer
            from: Candor <relay@example.test>

        """;

    public async Task<(int Status, JsonElement Body)> AdminAsync(HttpMethod method, string path, string? body = null)
    {
        var (status, text) = await _host!.SendAsync(_host.OperatorKey, method, path, body, Json.Timeout());
        return (status, Json.ParseOrDefault(text));
    }

    /// <summary>A login made by invitation and acceptance, as an operator would.</summary>
    public Task CreateLoginAsync(string principal, bool isOperator = false) => ConsoleLogins.CreateAsync(_host!, principal, isOperator);

    public ConsoleClient NewSession() => new(BaseAddress);

    public T Service<T>() where T : notnull => _host!.Service<T>();

    public async ValueTask DisposeAsync()
    {
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }

        await Smtp.DisposeAsync();
    }
}
