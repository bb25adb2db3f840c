using System.Collections.Concurrent;
using System.Net.Http.Headers;
using Candor.Core.Audit;
using Candor.Core.Transparency;
using Candor.Emulator;
using Candor.Server.Hosting;
using Candor.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace Candor.FunctionalTests.Audit;

/// <summary>Candor with a data directory (for the admin API), audits on, a fake clock and a recording transparency
/// log, over its own emulator. The configuration comes from the test class, with <c>{{emu}}</c> for the emulator.</summary>
public class AuditHost(string yaml) : IAsyncLifetime
{
    public const string ClientKey = "sk-audit-client-0123456789abc";
    public static readonly TimeSpan Interval = TimeSpan.FromMinutes(10);

    private WebApplication? _app;
    private string? _dir;

    public EmulatorHost Emulator { get; private set; } = null!;

    public Uri BaseAddress { get; private set; } = null!;

    public string OperatorKey { get; private set; } = null!;

    public FakeTimeProvider Clock { get; } = new(DateTimeOffset.UtcNow);

    public RecordingLog Log { get; } = new();

    public ChannelAuditor Auditor => _app!.Services.GetRequiredService<ChannelAuditor>();

    public ChannelQuarantine Quarantine => _app!.Services.GetRequiredService<ChannelQuarantine>();

    public async Task InitializeAsync()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        Emulator = await EmulatorHost.StartAsync(new EmulatorOptions { RequiredApiKey = "upstream-secret" }).WaitAsync(cts.Token);
        _dir = Directory.CreateTempSubdirectory("candor-audit-").FullName;
        string config = Path.Combine(_dir, "candor.yaml");
        string data = Path.Combine(_dir, "data");
        await File.WriteAllTextAsync(config, yaml.Replace("{{emu}}", Emulator.BaseAddress.ToString().TrimEnd('/'), StringComparison.Ordinal), cts.Token);
        var boot = await StoreBootstrap.InitializeAsync(data, TimeProvider.System, cts.Token);
        using (boot.Store)
        {
            OperatorKey = boot.OperatorKey!.PlaintextKey;
        }

        await StartServerAsync(cts.Token);
    }

    /// <summary>Stops Candor and starts a new process-equivalent on the same configuration and data directory
    /// (memory is lost, the database stays).</summary>
    public async Task RestartAsync()
    {
        await _app!.StopAsync();
        await _app.DisposeAsync();
        _app = null;
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await StartServerAsync(cts.Token);
    }

    private async Task StartServerAsync(CancellationToken cancellationToken)
    {
        _app = await CandorServer.BuildAsync(new ServeOptions
        {
            ConfigPath = Path.Combine(_dir!, "candor.yaml"),
            DataDirectory = Path.Combine(_dir!, "data"),
            Urls = "http://127.0.0.1:0",
            Environment = static name => name switch { "UPSTREAM_KEY" => "upstream-secret", "CLIENT_KEY" => ClientKey, _ => null },
            Watch = false,
            LogLevel = LogLevel.Warning,
            TimeProvider = Clock,
            ConfigureServices = services => services.AddSingleton<ITransparencyLog>(Log),
        }, cancellationToken: cancellationToken);
        await _app.StartAsync(cancellationToken);
        BaseAddress = new Uri(_app.Urls.First());
    }

    /// <summary>Moves the clock one interval on and runs the due rounds (the scheduler may have started them first;
    /// calls are serialized, so the rounds are done when this returns).</summary>
    public async Task NextIntervalAsync()
    {
        Clock.Advance(Interval);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        await Auditor.RunDueAsync(cts.Token).WaitAsync(cts.Token);
    }

    public HttpClient Client(string key)
    {
        var client = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
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
        if (_dir is not null)
        {
            Directory.Delete(_dir, recursive: true);
        }
    }

    /// <summary>A transparency log that keeps what it is given.</summary>
    public sealed class RecordingLog : ITransparencyLog
    {
        public ConcurrentQueue<byte[]> Entries { get; } = new();

        public TimeSpan MaxMergeDelay => TimeSpan.FromSeconds(1);

        public string Origin => "test.invalid/log";

        public ValueTask<long> AppendAsync(ReadOnlyMemory<byte> entry, CancellationToken cancellationToken)
        {
            Entries.Enqueue(entry.ToArray());
            return ValueTask.FromResult((long)Entries.Count - 1);
        }
    }
}
