using System.Net.Http.Headers;
using Candor.Emulator;
using Candor.Server.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Logging;

namespace Candor.FunctionalTests.Privacy;

/// <summary>Candor with a server-wide redaction policy (e-mail and phone pseudonymized, secrets masked, PRC ID
/// numbers blocked) and a second key that also blocks e-mail, in front of the emulator.</summary>
public sealed class RedactionFixture : IAsyncLifetime
{
    public const string Key = "sk-redact-0123456789abcdefghij";
    public const string StrictKey = "sk-strict-0123456789abcdefghij";

    private WebApplication? _app;
    private string? _configDir;

    public EmulatorHost Emulator { get; private set; } = null!;

    public Uri BaseAddress { get; private set; } = null!;

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

    public async Task InitializeAsync()
    {
        Emulator = await EmulatorHost.StartAsync(new EmulatorOptions { RequiredApiKey = "upstream-secret" });
        _configDir = Directory.CreateTempSubdirectory("candor-redaction-").FullName;
        string path = Path.Combine(_configDir, "candor.yaml");
        await File.WriteAllTextAsync(path, ConfigYaml(Emulator.BaseAddress.ToString().TrimEnd('/')));
        _app = await CandorServer.BuildAsync(new ServeOptions
        {
            ConfigPath = path,
            Urls = "http://127.0.0.1:0",
            Environment = static name => name switch
            {
                "UPSTREAM_KEY" => "upstream-secret",
                "CLIENT_KEY" => Key,
                "STRICT_KEY" => StrictKey,
                _ => null,
            },
            Watch = false,
            LogLevel = LogLevel.Warning,
        });
        await _app.StartAsync();
        BaseAddress = new Uri(_app.Urls.First());
    }

    public HttpClient CreateClient(string key = Key)
    {
        var client = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        client.DefaultRequestHeaders.Add("anthropic-version", "2023-06-01");
        return client;
    }

    public async Task DisposeAsync()
    {
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
    }
}

[CollectionDefinition(Name)]
public sealed class RedactionCollection : ICollectionFixture<RedactionFixture>
{
    public const string Name = "redaction";
}
