using Candor.Core.Configuration;

namespace Candor.UnitTests.Core.Configuration;

public sealed class BillingConfigTests
{
    private static readonly HashSet<string> Providers = ["openai"];

    private const string Body = """
        channels:
          - { id: oa, provider: openai, base_url: https://api.openai.com/v1, api_key_env: OPENAI_KEY }
        models:
          - { name: gpt, deployments: [{ channel: oa, model: gpt-4o-mini }] }
        """;

    private static CandorConfig Load(string yaml, string? candorData = null) =>
        new ConfigLoader(Providers, n => n switch { "OPENAI_KEY" => "sk-upstream", "CLIENT_KEY" => "sk-client-0123456789abcdef", "CANDOR_DATA" => candorData, _ => null }).Load(yaml, "test.yaml");

    [Fact]
    public void ServerBillingSettings_AreRead()
    {
        var config = Load("server:\n  data_dir: /var/lib/candor\n  prices: [/etc/a.yaml, /etc/b.yaml]\n  default_max_output_tokens: 1000\n  max_choices: 3\n" + Body);
        Assert.Equal(3, config.MaxChoices);
        Assert.Equal("/var/lib/candor", config.DataDirectory);
        Assert.Equal(["/etc/a.yaml", "/etc/b.yaml"], config.PriceFiles);
        Assert.Equal(1000, config.DefaultMaxOutputTokens);
    }

    [Fact]
    public void Defaults_NoDataDirectoryAnd4096()
    {
        var config = Load("keys: [{ name: k, key_env: CLIENT_KEY }]\n" + Body);
        Assert.Null(config.DataDirectory);
        Assert.Empty(config.PriceFiles);
        Assert.Equal(4096, config.DefaultMaxOutputTokens);
        Assert.Equal(8, config.MaxChoices);
    }

    [Fact]
    public void RelativePaths_AreRelativeToTheConfigurationFile()
    {
        var dir = Directory.CreateTempSubdirectory("candor-config-");
        try
        {
            string path = Path.Combine(dir.FullName, "candor.yaml");
            File.WriteAllText(path, "server:\n  data_dir: data\n  prices: [p.yaml]\n" + Body);
            var config = new ConfigLoader(Providers, n => n == "OPENAI_KEY" ? "sk-upstream" : null).LoadFile(path);
            Assert.Equal(Path.Combine(dir.FullName, "data"), config.DataDirectory);
            Assert.Equal([Path.Combine(dir.FullName, "p.yaml")], config.PriceFiles);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public void NoKeys_AllowedWithADataDirectoryFromTheEnvironment()
    {
        Assert.Null(Load(Body, candorData: "/data").DataDirectory);
        var e = Assert.Throws<ConfigException>(() => Load(Body));
        Assert.Contains("no client keys", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("server:\n  default_max_output_tokens: 0\n", "test.yaml:2:30: server.default_max_output_tokens")]
    [InlineData("server:\n  prices: nope\n", "test.yaml:2:11: server.prices: expected a list")]
    [InlineData("server:\n  max_choices: 0\n", "test.yaml:2:16: server.max_choices")]
    [InlineData("server:\n  max_choices: 129\n", "test.yaml:2:16: server.max_choices")]
    [InlineData("server:\n  data_dir: ''\n", "test.yaml:2:13: server.data_dir: expected a path")]
    public void BadSetting_IsReportedWithItsPlace(string server, string expected)
    {
        var e = Assert.Throws<ConfigException>(() => Load(server + Body));
        Assert.StartsWith(expected, e.Message, StringComparison.Ordinal);
    }
}
