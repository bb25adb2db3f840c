using Candor.Emulator;
using Candor.FunctionalTests.Infrastructure;

namespace Candor.FunctionalTests.Privacy;

/// <summary>Candor with a server-wide redaction policy (e-mail and phone pseudonymized, secrets masked, PRC ID
/// numbers blocked) and a second key that also blocks e-mail, in front of the emulator.</summary>
public sealed class RedactionFixture : IAsyncLifetime
{
    public const string Key = "sk-redact-0123456789abcdefghij";
    public const string StrictKey = "sk-strict-0123456789abcdefghij";

    private CandorTestHost? _host;

    public EmulatorHost Emulator => _host!.Emulator;

    public Uri BaseAddress => _host!.BaseAddress;

    private static string ConfigYaml(string emulator) => $$"""
        channels:
          - { id: oa, provider: openai, base_url: "{{emulator}}/v1", api_key_env: UPSTREAM_KEY }
          - { id: an, provider: anthropic, base_url: "{{emulator}}", api_key_env: UPSTREAM_KEY }
          - { id: ge, provider: gemini, base_url: "{{emulator}}", api_key_env: UPSTREAM_KEY }
        models:
          - { name: m-openai, deployments: [{ channel: oa, model: gpt-4o-mini }] }
          - { name: m-anthropic, deployments: [{ channel: an, model: claude-sonnet-4-5 }] }
          - { name: m-gemini, deployments: [{ channel: ge, model: gemini-2.5-flash }] }
          - { name: m-embed, deployments: [{ channel: oa, model: text-embedding-3-small }] }
        privacy:
          redaction:
            default: allow
            email: pseudonymize
            phone: pseudonymize
            secret: mask
            cn_id: block
        keys:
          - name: test
            key_env: CLIENT_KEY
          - name: strict
            key_env: STRICT_KEY
            privacy:
              redaction:
                email: block
        """;

    public async Task InitializeAsync() => _host = await CandorTestHost.Create()
        .Prefix("candor-redaction-")
        .Env("CLIENT_KEY", Key)
        .Env("STRICT_KEY", StrictKey)
        .ClientHeader("anthropic-version", "2023-06-01")
        .Yaml(ConfigYaml)
        .StartAsync();

    public HttpClient CreateClient(string key = Key) => _host!.CreateClient(key);

    public async Task DisposeAsync()
    {
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }
    }
}

[CollectionDefinition(Name)]
public sealed class RedactionCollection : ICollectionFixture<RedactionFixture>
{
    public const string Name = "redaction";
}
