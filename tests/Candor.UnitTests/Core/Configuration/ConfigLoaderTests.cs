using Candor.Core.Configuration;

namespace Candor.UnitTests.Core.Configuration;

public sealed class ConfigLoaderTests
{
    private static readonly HashSet<string> Providers = ["openai", "anthropic", "gemini"];

    private static readonly Dictionary<string, string> Env = new()
    {
        ["OPENAI_KEY"] = "sk-upstream",
        ["CLIENT_KEY"] = "sk-client-0123456789abcdef",
    };

    private static CandorConfig Load(string yaml) => new ConfigLoader(Providers, n => Env.GetValueOrDefault(n)).Load(yaml, "test.yaml");

    private const string Valid = """
        server:
          max_request_bytes: 2048
        channels:
          - id: oa
            provider: openai
            base_url: https://api.openai.com/v1/
            api_key_env: OPENAI_KEY
            region: US
            timeouts: { connect: 500ms, first_byte: 30s, idle: 1m }
        models:
          - name: gpt
            deployments:
              - channel: oa
                model: gpt-4o-mini
        keys:
          - name: dev
            key_env: CLIENT_KEY
        """;

    [Fact]
    public void ValidFile_IsLoadedWithSecretsFromTheEnvironment()
    {
        var config = Load(Valid);
        var channel = Assert.Single(config.Channels);
        Assert.Equal("sk-upstream", channel.ApiKey);
        Assert.Equal("https://api.openai.com/v1", channel.BaseUrl.ToString().TrimEnd('/'));
        Assert.Equal("us", channel.Region);
        Assert.Equal(TimeSpan.FromMilliseconds(500), channel.ConnectTimeout);
        Assert.Equal(TimeSpan.FromMinutes(1), channel.IdleTimeout);
        Assert.Equal(2048, config.MaxRequestBytes);
        Assert.Equal("gpt-4o-mini", Assert.Single(Assert.Single(config.Models).Deployments).UpstreamModel);
        Assert.Equal("dev", Assert.Single(config.Keys).Name);
    }

    [Theory]
    [InlineData("provider: openai", "provider: nonesuch", "test.yaml:5:15: channels[0].provider: unknown provider 'nonesuch'")]
    [InlineData("api_key_env: OPENAI_KEY", "api_key_env: MISSING_VAR", "test.yaml:7:18: channels[0].api_key_env: environment variable 'MISSING_VAR' is not set")]
    [InlineData("- channel: oa", "- channel: nope", "test.yaml:13:18: models[0].deployments[0].channel: deployment names unknown channel 'nope'")]
    [InlineData("api_key_env: OPENAI_KEY", "api_key: sk-inline", "test.yaml:7:5: channels[0].api_key: secrets are not written in the file")]
    [InlineData("max_request_bytes: 2048", "max_request_bytes: lots", "test.yaml:2:22: server.max_request_bytes: expected an integer")]
    [InlineData("idle: 1m", "idle: soon", "test.yaml:9:56: channels[0].timeouts.idle: expected a positive duration")]
    [InlineData("base_url: https://api.openai.com/v1/", "base_url: ftp://x", "test.yaml:6:15: channels[0].base_url: must be an absolute http(s) URL")]
    public void InvalidFile_NamesLineColumnAndPath(string from, string to, string expectedPrefix)
    {
        var e = Assert.Throws<ConfigException>(() => Load(Valid.Replace(from, to, StringComparison.Ordinal)));
        Assert.StartsWith(expectedPrefix, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void MalformedYaml_IsReportedWithItsPosition()
    {
        var e = Assert.Throws<ConfigException>(() => Load("channels: [\n  - id: x"));
        Assert.StartsWith("test.yaml:", e.Message, StringComparison.Ordinal);
        Assert.Contains("invalid YAML", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void NoKeys_IsRejected()
    {
        var e = Assert.Throws<ConfigException>(() => Load(Valid[..Valid.IndexOf("keys:", StringComparison.Ordinal)]));
        Assert.Contains("no client keys", e.Message, StringComparison.Ordinal);
    }
}
