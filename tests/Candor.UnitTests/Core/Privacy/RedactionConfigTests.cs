using Candor.Core.Configuration;
using Candor.Core.Privacy;

namespace Candor.UnitTests.Core.Privacy;

public sealed class RedactionConfigTests
{
    private static CandorConfig Load(string privacy, string keyPrivacy = "") => new ConfigLoader(new HashSet<string> { "openai" }, n => n == "K" ? "sk-client-0123456789abcdef" : null).Load($$"""
        channels:
          - { id: oa, provider: openai, base_url: "https://api.openai.com/v1" }
        models:
          - { name: gpt, deployments: [{ channel: oa, model: gpt-4o }] }
        keys:
          - name: k
            key_env: K
        {{keyPrivacy}}
        {{privacy}}
        """, "test.yaml");

    [Fact]
    public void PrivacySection_SetsTheServerDefaultAndTheKeysOwn()
    {
        var config = Load("""
            privacy:
              redaction:
                default: mask
                email: pseudonymize
                secret: block
            """, "    privacy: { redaction: { phone: block } }");
        Assert.Equal(EntityAction.Mask, config.Redaction.ActionFor("ip"));
        Assert.Equal(EntityAction.Pseudonymize, config.Redaction.ActionFor("email"));
        Assert.Equal(EntityAction.Block, config.Redaction.ActionFor("secret"));
        Assert.Equal(EntityAction.Block, config.Keys[0].Redaction!.ActionFor("phone"));
    }

    [Theory]
    [InlineData("privacy:\n  redaction:\n    emial: mask", "test.yaml:11:5: privacy.redaction.emial: unknown entity type")]
    [InlineData("privacy:\n  redaction:\n    email: hide", "test.yaml:11:12: privacy.redaction.email: unknown action 'hide'")]
    [InlineData("privacy:\n  retain: no", "test.yaml:10:3: privacy.retain: unknown privacy setting")]
    public void Mistakes_NameTheLine(string privacy, string expected)
    {
        var e = Assert.Throws<ConfigException>(() => Load(privacy));
        Assert.StartsWith(expected, e.Message, StringComparison.Ordinal);
    }
}
