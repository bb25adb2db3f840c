using Candor.Emulator;

namespace Candor.FunctionalTests.Infrastructure;

/// <summary>Starts the upstream emulator and Candor on loopback ports, with one public model per
/// (upstream protocol, provider) and channels that carry emulator faults in their base URL.
/// Shared by every test class in the collection; tests must not change its configuration.</summary>
public sealed class CandorFixture : IAsyncLifetime
{
    public const string Key = "sk-test-0123456789abcdefghijkl";

    private CandorTestHost? _host;

    public EmulatorHost Emulator => _host!.Emulator;

    public Uri BaseAddress => _host!.BaseAddress;

    public string ConfigPath => _host!.ConfigPath;

    public static string ConfigYaml(string emulator) => $$"""
        server:
          max_request_bytes: 1048576
        # Tests of this collection aim faults ([[emulator:…]]) at shared deployments; with try_anyway a
        # deployment cooling down because of another test's fault is still tried. Routing tests use their own host.
        routing:
          all_unhealthy: try_anyway
        channels:
          - id: oa
            provider: openai
            base_url: {{emulator}}/v1
            api_key_env: UPSTREAM_KEY
            region: us
          - id: an
            provider: anthropic
            base_url: {{emulator}}
            api_key_env: UPSTREAM_KEY
          - id: ge
            provider: gemini
            base_url: {{emulator}}
            api_key_env: UPSTREAM_KEY
          - id: az
            provider: azure
            base_url: {{emulator}}
            api_key_env: UPSTREAM_KEY
            api_version: 2024-10-21
          - id: ds
            provider: deepseek
            base_url: {{emulator}}/v1
            api_key_env: UPSTREAM_KEY
          - id: broken-500
            provider: openai
            base_url: {{emulator}}/x/status=500/v1
            api_key_env: UPSTREAM_KEY
          - id: broken-429
            provider: anthropic
            base_url: {{emulator}}/x/status=429;retry_after=7
            api_key_env: UPSTREAM_KEY
          - id: slow
            provider: openai
            base_url: {{emulator}}/x/latency_ms=5000/v1
            api_key_env: UPSTREAM_KEY
            timeouts: { first_byte: 300ms, idle: 300ms }
          - id: idle
            provider: openai
            base_url: {{emulator}}/v1
            api_key_env: UPSTREAM_KEY
            timeouts: { idle: 400ms }
          - id: nowhere
            provider: openai
            base_url: http://127.0.0.1:9/v1
            api_key_env: UPSTREAM_KEY
            timeouts: { connect: 1s }
        models:
          - name: m-openai
            deployments: [{ channel: oa, model: gpt-4o-mini }]
          - name: m-anthropic
            deployments: [{ channel: an, model: claude-sonnet-4-5 }]
          - name: m-gemini
            deployments: [{ channel: ge, model: gemini-2.5-flash }]
          - name: m-azure
            deployments: [{ channel: az, model: my-gpt-deployment }]
          - name: m-deepseek
            deployments: [{ channel: ds, model: deepseek-reasoner }]
          - name: m-embed
            deployments: [{ channel: oa, model: text-embedding-3-small }]
          - name: m-embed-gemini
            deployments: [{ channel: ge, model: text-embedding-004 }]
          - name: m-500
            deployments: [{ channel: broken-500, model: gpt-4o-mini }]
          - name: m-429
            deployments: [{ channel: broken-429, model: claude-sonnet-4-5 }]
          - name: m-slow
            deployments: [{ channel: slow, model: gpt-4o-mini }]
          - name: m-idle
            deployments: [{ channel: idle, model: gpt-4o-mini }]
          - name: m-failover
            deployments:
              - { channel: nowhere, model: gpt-4o-mini, priority: 0 }
              - { channel: broken-500, model: gpt-4o-mini, priority: 1 }
              - { channel: oa, model: gpt-4o-mini, priority: 2 }
        keys:
          - name: test
            key_env: CLIENT_KEY
        """;

    /// <summary>The public models by upstream protocol, for matrix tests.</summary>
    public static TheoryData<string> ChatModels => new() { "m-openai", "m-anthropic", "m-gemini", "m-azure", "m-deepseek" };

    public static string? Environment(string name) => name switch
    {
        "UPSTREAM_KEY" => "upstream-secret",
        "CLIENT_KEY" => Key,
        _ => null,
    };

    public async Task InitializeAsync() => _host = await CandorTestHost.Create()
        .Prefix("candor-test-")
        .Yaml(ConfigYaml)
        .Env("CLIENT_KEY", Key)
        .StartAsync();

    public HttpClient CreateClient(string? key = Key) => _host!.CreateClient(key);

    /// <summary>After every test of the collection: nothing leaked (<see cref="HostLeaks"/>: no upstream request
    /// left open, no slot, lease or reservation held, no unobserved task exception from Candor's code).</summary>
    public async Task DisposeAsync()
    {
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }
    }
}

[CollectionDefinition(Name)]
public sealed class CandorCollection : ICollectionFixture<CandorFixture>
{
    public const string Name = "candor";
}
