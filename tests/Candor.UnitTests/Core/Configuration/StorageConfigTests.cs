using Candor.Core.Configuration;

namespace Candor.UnitTests.Core.Configuration;

/// <summary>The <c>storage</c> section (docs/configuration.md): SQLite unless <c>postgres</c> names a connection
/// string, whose password must come from the environment, never from the file.</summary>
public sealed class StorageConfigTests
{
    private const string Body = """
        server: { data_dir: /var/lib/candor }
        channels:
          - { id: oa, provider: openai, base_url: https://api.openai.com/v1, api_key_env: OPENAI_KEY }
        models:
          - { name: gpt, deployments: [{ channel: oa, model: gpt-4o-mini }] }
        """;

    private static readonly HashSet<string> Providers = ["openai"];

    private static CandorConfig Load(string yaml) =>
        new ConfigLoader(Providers, n => n == "OPENAI_KEY" ? "sk-upstream" : null).Load(yaml, "test.yaml");

    [Fact]
    public void NoSection_KeepsSqlite()
    {
        Assert.Null(Load(Body).PostgresConnection);
    }

    [Fact]
    public void Postgres_IsRead()
    {
        var config = Load(Body + "\nstorage:\n  postgres: \"Host=db;Port=5432;Username=candor;Database=candor\"\n");
        Assert.Equal("Host=db;Port=5432;Username=candor;Database=candor", config.PostgresConnection);
    }

    [Theory]
    [InlineData("Host=db;Username=candor;Password=hunter2;Database=candor", "CANDOR_POSTGRES_PASSWORD")]
    [InlineData("Host=db;Username=candor;PWD=hunter2", "CANDOR_POSTGRES_PASSWORD")]
    [InlineData("Username=candor;Database=candor", "Host=")]
    [InlineData("Host=db;=x;;\"", "connection string")]
    public void BadConnectionString_IsRefused_WithoutEchoingThePassword(string connection, string expected)
    {
        var e = Assert.Throws<ConfigException>(() => Load(Body + "\nstorage:\n  postgres: '" + connection + "'\n"));
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void UnknownSetting_IsRefused()
    {
        var e = Assert.Throws<ConfigException>(() => Load(Body + "\nstorage:\n  redis: localhost\n"));
        Assert.Contains("expected postgres", e.Message, StringComparison.Ordinal);
    }
}
