using System.Net.Http.Headers;
using Candor.Emulator;
using Candor.Server.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Logging;

namespace Candor.FunctionalTests.Infrastructure;

/// <summary>Starts the upstream emulator and Candor on loopback ports, with one public model per
/// (upstream protocol, provider) and channels that carry emulator faults in their base URL.
/// Shared by every test class in the collection; tests must not change its configuration.</summary>
public sealed class CandorFixture : IAsyncLifetime
{
    public const string Key = "sk-test-0123456789abcdefghijkl";

    private WebApplication? _app;
    private string? _configDir;

    public EmulatorHost Emulator { get; private set; } = null!;

    public Uri BaseAddress { get; private set; } = null!;

    public string ConfigPath => Path.Combine(_configDir!, "candor.yaml");

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

    private readonly List<Exception> _unobserved = [];

    public async Task InitializeAsync()
    {
        TaskScheduler.UnobservedTaskException += OnUnobserved;
        Emulator = await EmulatorHost.StartAsync(new EmulatorOptions { RequiredApiKey = "upstream-secret" });
        _configDir = Directory.CreateTempSubdirectory("candor-test-").FullName;
        await File.WriteAllTextAsync(ConfigPath, ConfigYaml(Emulator.BaseAddress.ToString().TrimEnd('/')));
        _app = await CandorServer.BuildAsync(new ServeOptions
        {
            ConfigPath = ConfigPath,
            Urls = "http://127.0.0.1:0",
            Environment = Environment,
            Watch = false,
            LogLevel = LogLevel.Warning,
        });
        await _app.StartAsync();
        BaseAddress = new Uri(_app.Urls.First());
    }

    public HttpClient CreateClient(string? key = Key)
    {
        var client = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        if (key is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }

        return client;
    }

    private void OnUnobserved(object? sender, UnobservedTaskExceptionEventArgs e)
    {
        lock (_unobserved)
        {
            _unobserved.Add(e.Exception);
        }
    }

    /// <summary>After every test of the collection: no upstream request is left open (Candor cancelled or
    /// finished each one) and no task failed without being observed.</summary>
    public async Task DisposeAsync()
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(5);
        while (Emulator.ActiveRequests > 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        int leaked = Emulator.ActiveRequests;
        GC.Collect();
        GC.WaitForPendingFinalizers();
        TaskScheduler.UnobservedTaskException -= OnUnobserved;
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }

        await Emulator.DisposeAsync();
        if (_configDir is not null)
        {
            Directory.Delete(_configDir, recursive: true);
        }

        if (leaked > 0)
        {
            throw new InvalidOperationException($"{leaked} upstream request(s) were still open after the tests.");
        }

        lock (_unobserved)
        {
            if (_unobserved.Count > 0)
            {
                // The event is process-wide: the exception may come from any test class running at the same time.
                throw new AggregateException("Unobserved task exceptions during the tests: "
                    + string.Join(System.Environment.NewLine, _unobserved.Select(static e => e.ToString())), _unobserved);
            }
        }
    }
}

[CollectionDefinition(Name)]
public sealed class CandorCollection : ICollectionFixture<CandorFixture>
{
    public const string Name = "candor";
}
