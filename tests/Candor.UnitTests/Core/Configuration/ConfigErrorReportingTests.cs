using Candor.Core.Configuration;

namespace Candor.UnitTests.Core.Configuration;

/// <summary>One load reports every fault of the file, each with its line and column, in document order.</summary>
public sealed class ConfigErrorReportingTests
{
    private static readonly HashSet<string> Providers = ["openai", "anthropic"];

    private static CandorConfig Load(string yaml) =>
        new ConfigLoader(Providers, n => n is "OPENAI_KEY" or "CLIENT_KEY" ? "sk-client-0123456789abcdef" : null).Load(yaml, "multi.yaml");

    // One fault in each of eight sections, and a second fault inside two of them.
    private const string ManyFaults = """
        server:
          max_request_bytes: lots
          max_choices: 500
        operator:
          domain: "has space"
        channels:
          - id: oa
            provider: nonesuch
            base_url: https://api.openai.com/v1
            api_key_env: OPENAI_KEY
            timeouts: { idle: soon }
          - id: ok
            provider: openai
            base_url: https://api.openai.com/v1
            api_key_env: OPENAI_KEY
        models:
          - name: gpt
            strategy: fastest
            deployments:
              - { channel: ok, model: gpt-4o-mini, weight: 0 }
        keys:
          - name: dev
            key_env: UNSET_KEY
        routing:
          deadline: never
        privacy:
          retention: forever
        audit:
          enabled: maybe
        """;

    [Fact]
    public void FileWithFaultsInManySections_ReportsEveryFaultWithLineAndColumnInDocumentOrder()
    {
        var e = Assert.Throws<ConfigException>(() => Load(ManyFaults));

        Assert.Equal(
        [
            "multi.yaml:2:22: server.max_request_bytes: expected an integer between 1024 and 9223372036854775807",
            "multi.yaml:3:16: server.max_choices: expected an integer between 1 and 128",
            "multi.yaml:5:11: operator.domain: must be a name without spaces or '+' (it names the receipt key)",
            "multi.yaml:8:15: channels[0].provider: unknown provider 'nonesuch' (known: anthropic, openai)",
            "multi.yaml:11:23: channels[0].timeouts.idle: expected a positive duration such as 500ms, 10s, 2m or 1h",
            "multi.yaml:18:15: models[0].strategy: unknown strategy (expected priority, least_latency, least_busy, sticky)",
            "multi.yaml:20:52: models[0].deployments[0].weight: expected an integer between 1 and 1000000",
            "multi.yaml:23:14: keys[0].key_env: environment variable 'UNSET_KEY' is not set",
            "multi.yaml:25:13: routing.deadline: expected a positive duration such as 500ms, 10s, 2m or 1h",
            "multi.yaml:27:14: privacy.retention: unknown retention mode (expected none or account_history); Candor refuses to start rather than guess",
            "multi.yaml:29:12: audit.enabled: expected true or false",
        ], e.Errors);
        Assert.Equal(string.Join('\n', e.Errors), e.Message);
    }

    [Fact]
    public void FaultyChannel_DoesNotAlsoReportItsReferencesAsUnknown()
    {
        // The channel is declared (with a fault); the deployment naming it must not add "unknown channel".
        var e = Assert.Throws<ConfigException>(() => Load("""
            models:
              - name: m
                deployments: [{ channel: oa, model: x }]
            channels:
              - { id: oa, provider: openai, base_url: "ftp://nope", api_key_env: OPENAI_KEY }
            keys:
              - { name: dev, key_env: CLIENT_KEY }
            """));

        Assert.Equal(["multi.yaml:5:43: channels[0].base_url: must be an absolute http(s) URL"], e.Errors);
    }

    [Fact]
    public void FaultyModelsAndKeys_DoNotAlsoReportThatNoneAreDeclared()
    {
        var e = Assert.Throws<ConfigException>(() => Load("""
            channels:
              - { id: oa, provider: openai, base_url: "https://x/v1", api_key_env: OPENAI_KEY }
            models:
              - { name: m, deployments: [{ channel: oa }] }
            keys:
              - { name: dev }
            """));

        Assert.Equal(
        [
            "multi.yaml:4:30: models[0].deployments[0]: a deployment needs 'channel' and 'model'",
            "multi.yaml:6:5: keys[0]: a key needs 'name' and 'key_env'",
        ], e.Errors);
    }

    [Fact]
    public void SeveralFaultsInOneChannel_AreAllReported()
    {
        var e = Assert.Throws<ConfigException>(() => Load("""
            channels:
              - id: oa
                provider: openai
                api_key: sk-inline
                region: "no region"
                colour: blue
            models:
              - { name: m, deployments: [{ channel: oa, model: x }] }
            keys:
              - { name: dev, key_env: CLIENT_KEY }
            """));

        Assert.Equal(
        [
            "multi.yaml:2:5: channels[0]: missing 'base_url'",
            "multi.yaml:4:5: channels[0].api_key: secrets are not written in the file; name an environment variable with api_key_env",
            "multi.yaml:5:13: channels[0].region: expected a region code such as cn, us or eu (letters, digits and '-')",
            "multi.yaml:6:5: channels[0].colour: unknown channel setting",
        ], e.Errors);
    }

    [Fact]
    public void SingleFault_KeepsTheOneLineMessage()
    {
        var e = Assert.Throws<ConfigException>(() => Load("""
            channels:
              - { id: oa, provider: openai, base_url: "https://x/v1", api_key_env: OPENAI_KEY }
            models:
              - { name: m, deployments: [{ channel: oa, model: x }] }
            keys:
              - { name: dev, key_env: CLIENT_KEY }
            routing:
              health: { cooldown: 10s, max_cooldown: 5s }
            """));

        Assert.Equal("multi.yaml:8:11: routing.health.max_cooldown: must not be shorter than cooldown", Assert.Single(e.Errors));
        Assert.Equal(e.Errors[0], e.Message);
    }

    [Fact]
    public void MissingSections_AreReportedAtTheEndOfTheFile_AfterThePlacedFaults()
    {
        var e = Assert.Throws<ConfigException>(() => Load("server:\n  max_choices: 0\n"));

        Assert.Equal(
        [
            "multi.yaml:2:16: server.max_choices: expected an integer between 1 and 128",
            "multi.yaml:3:1: models: no models are declared",
            "multi.yaml:3:1: keys: no client keys are declared; every request must present a key (declare one with name and key_env, or set server.data_dir for stored keys)",
        ], e.Errors);
    }
}
