using Candor.Core.Configuration;
using Candor.Core.WebConsole;

namespace Candor.UnitTests.Core.Configuration;

public sealed class RegistrationSettingsTests
{
    private const string Rest = """
        channels:
          - { id: oa, provider: openai, base_url: "https://api.openai.com/v1/", api_key_env: OPENAI_KEY }
        models:
          - { name: gpt, deployments: [{ channel: oa, model: gpt-4o-mini }] }
        keys:
          - { name: dev, key_env: CLIENT_KEY }
        """;

    private static CandorConfig Load(string registration) =>
        new ConfigLoader(new HashSet<string> { "openai" }, n => n is "OPENAI_KEY" or "CLIENT_KEY" ? "sk-0123456789abcdefghij" : null)
            .Load(Rest + "\n" + registration, "test.yaml");

    [Fact]
    public void Absent_IsClosed()
    {
        var settings = Load("").Registration;
        Assert.Equal(RegistrationMode.Closed, settings.Mode);
        Assert.Null(settings.Smtp);
        Assert.Equal(0, settings.InitialGrantMicros);
    }

    [Fact]
    public void OpenMode_ReadsEverySetting()
    {
        var settings = Load("""
            registration:
              mode: open
              public_url: https://relay.example.com/
              initial_grant_micros: 1500000
              account_group: trial
              per_address: 3
              per_domain: 40
              window: 12h
              link_lifetime: 30m
              smtp: { host: smtp.example.com, security: tls, user: relay, from: "Relay <relay@example.com>" }
            """).Registration;
        Assert.Equal(RegistrationMode.Open, settings.Mode);
        Assert.Equal("https://relay.example.com", settings.PublicUrl);
        Assert.Equal(1_500_000, settings.InitialGrantMicros);
        Assert.Equal("trial", settings.AccountGroup);
        Assert.Equal((3, 40), (settings.PerAddress, settings.PerDomain));
        Assert.Equal(TimeSpan.FromHours(12), settings.LimitWindow);
        Assert.Equal(TimeSpan.FromMinutes(30), settings.LinkLifetime);
        Assert.Equal(("smtp.example.com", 465, SmtpSecurity.Tls, "relay"), (settings.Smtp!.Host, settings.Smtp.Port, settings.Smtp.Security, settings.Smtp.User));
    }

    [Fact]
    public void InvitationMode_NeedsNoMailServer()
    {
        var settings = Load("registration: { mode: invitation }").Registration;
        Assert.Equal(RegistrationMode.Invitation, settings.Mode);
        Assert.Equal(587, new SmtpSettings { Host = "h", From = "f@x.y" }.Port);
    }

    [Theory]
    [InlineData("registration: { mode: open }", "mode: open needs public_url and smtp")]
    [InlineData("registration: { mode: sometimes }", "registration.mode: expected closed, invitation or open")]
    [InlineData("registration: { public_url: \"https://relay.example.com/console\" }", "registration.public_url: expected the console's origin")]
    [InlineData("registration: { smtp: { host: h, from: f@x.y, password: hunter2 } }", "set CANDOR_SMTP_PASSWORD")]
    [InlineData("registration: { smtp: { host: h } }", "smtp needs host and from")]
    [InlineData("registration: { per_domain: 0 }", "registration.per_domain: expected an integer")]
    [InlineData("registration: { invite_only: true }", "registration.invite_only: unknown setting")]
    public void InvalidSettings_StopTheStartWithTheirPath(string registration, string expected)
    {
        var e = Assert.Throws<ConfigException>(() => Load(registration));
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", e.Message, StringComparison.Ordinal);
    }
}
