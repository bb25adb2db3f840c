using Candor.Core.Transparency;
using Candor.Emulator;
using Candor.Server.Hosting;
using Candor.Transparency.Log;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Candor.FunctionalTests.Transparency;

/// <summary>A Candor with a data directory (and so a transparency log) over a given directory.</summary>
internal sealed class LogHost : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly EmulatorHost _emulator;

    private LogHost(WebApplication app, EmulatorHost emulator)
    {
        _app = app;
        _emulator = emulator;
        Client = new HttpClient { BaseAddress = new Uri(app.Urls.First()), Timeout = TimeSpan.FromSeconds(30) };
    }

    public HttpClient Client { get; }

    public ITransparencyLog Log => _app.Services.GetRequiredService<ITransparencyLog>();

    public string VerifierKey => _app.Services.GetRequiredService<TileLog>().VerifierKey;

    public static async Task<LogHost> StartAsync(string directory, string origin, string mergeDelay = "400ms")
    {
        var emulator = await EmulatorHost.StartAsync(new EmulatorOptions());
        string config = Path.Combine(directory, "candor.yaml");
        await File.WriteAllTextAsync(config, $$"""
            server:
              data_dir: data
              log_origin: {{origin}}
              log_max_merge_delay: {{mergeDelay}}
            channels:
              - { id: oa, provider: openai, base_url: {{emulator.BaseAddress.ToString().TrimEnd('/')}}/v1, api_key_env: UPSTREAM_KEY }
            models:
              - { name: m, deployments: [{ channel: oa, model: gpt-4o-mini }] }
            """);
        var app = await CandorServer.BuildAsync(new ServeOptions
        {
            ConfigPath = config,
            Urls = "http://127.0.0.1:0",
            Environment = static name => name == "UPSTREAM_KEY" ? "k" : null,
            Watch = false,
            LogLevel = LogLevel.Warning,
        }, TextWriter.Null);
        await app.StartAsync();
        return new LogHost(app, emulator);
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
        await _emulator.DisposeAsync();
    }
}
