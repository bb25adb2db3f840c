using Candor.Core.Accounting;
using Candor.Core.Accounts;
using Candor.Core.Admission;
using Candor.Core.Configuration;
using Candor.Core.Relay;
using Candor.Core.Routing;
using Candor.Core.Upstream;
using Candor.Emulator;
using Candor.Providers;
using Candor.Server.Admin;
using Candor.Server.Surfaces;
using Candor.Storage;

namespace Candor.Server.Hosting;

/// <summary>Builds the Candor web host: configuration snapshot, relay services, the three surfaces.
/// Program.cs and the functional tests both start Candor through here.</summary>
public static class CandorServer
{
    /// <summary>Builds the application. Invalid configuration throws <see cref="ConfigException"/> naming the place.</summary>
    public static async Task<WebApplication> BuildAsync(ServeOptions options, TextWriter? console = null, CancellationToken cancellationToken = default)
    {
        var providers = new ProviderRegistry(ProviderCatalog.All());
        var loaders = new ConfigLoaderFactory(providers, options.Environment);
        CandorConfig config;
        EmulatorHost? emulator = null;
        if (options.Demo)
        {
            var demo = await DemoSetup.StartAsync(options.Environment, cancellationToken).ConfigureAwait(false);
            (config, emulator) = (demo.Config, demo.Emulator);
            console?.WriteLine($"Candor demo: emulated upstreams at {demo.Emulator.BaseAddress}");
            console?.WriteLine(demo.Generated
                ? $"Demo key (set {DemoSetup.KeyVariable} to choose your own): {demo.Key}"
                : $"Demo key: taken from {DemoSetup.KeyVariable}");
            console?.WriteLine($"Models: {string.Join(", ", demo.Config.Models.Select(static m => m.Name))}");
        }
        else
        {
            config = loaders.Create().LoadFile(options.ConfigPath);
        }

        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        builder.WebHost.UseUrls(options.Urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        builder.WebHost.ConfigureKestrel(k =>
        {
            // Candor enforces its own body limit so that the 413 comes in the client's envelope.
            k.Limits.MaxRequestBodySize = null;
            k.AddServerHeader = false;
        });
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.TimestampFormat = "HH:mm:ss.fff ";
        });
        builder.Logging.SetMinimumLevel(options.LogLevel);
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        builder.Logging.AddFilter("System.Net.Http", LogLevel.Warning);

        var clients = new UpstreamClients();
        var hasher = KeyHasher.CreateEphemeral();
        var holder = new SnapshotHolder(RuntimeSnapshot.Build(config, providers, clients, hasher));
        var services = builder.Services;
        services.AddSingleton(providers);
        services.AddSingleton(loaders);
        services.AddSingleton(clients);
        services.AddSingleton(hasher);
        services.AddSingleton(holder);
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<TokenEstimator>();
        services.AddSingleton<ChatRelay>();
        services.AddSingleton<AuxiliaryRelay>();
        if (emulator is not null)
        {
            services.AddHostedService(_ => new EmulatorLifetime(emulator));
        }

        if (!options.Demo && options.Watch)
        {
            services.AddSingleton(sp => new ConfigReloader(options.ConfigPath, loaders, holder, providers, clients, hasher, sp.GetRequiredService<ILogger<ConfigReloader>>()));
            services.AddHostedService(sp => sp.GetRequiredService<ConfigReloader>());
        }

        // --- Storage (admin API helper's minimal registration; merge with the relay wiring) ---
        bool storage = await AddStorageAsync(services, options, console, cancellationToken).ConfigureAwait(false);
        // --- end storage ---

        var app = builder.Build();
        app.MapGet("/healthz", static () => Results.Text("ok"));
        app.MapOpenAI();
        app.MapAnthropic();
        app.MapGemini();
        if (storage)
        {
            app.MapAdmin();
        }

        return app;
    }

    /// <summary>Opens the store in the configured data directory (creating the operator key on first start and
    /// printing it once) and registers it with the key cache. Returns false when no data directory is configured.</summary>
    private static async Task<bool> AddStorageAsync(IServiceCollection services, ServeOptions options, TextWriter? console, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(options.DataDirectory))
        {
            return false;
        }

        var boot = await StoreBootstrap.InitializeAsync(options.DataDirectory, TimeProvider.System, cancellationToken).ConfigureAwait(false);
        if (boot.OperatorKey is { } operatorKey)
        {
            console?.WriteLine("Operator key (shown once; store it safely):");
            console?.WriteLine(operatorKey.PlaintextKey);
        }

        var keyCache = new ApiKeyCache(boot.Store, boot.Hasher);
        await keyCache.LoadAsync(TimeProvider.System.GetUtcNow(), cancellationToken).ConfigureAwait(false);

        // A factory registration makes the container own (and dispose) the store.
        services.AddSingleton(_ => boot.Store);
        services.AddSingleton<IAccountStore>(static sp => sp.GetRequiredService<SqliteStore>());
        services.AddSingleton<IKeyStore>(static sp => sp.GetRequiredService<SqliteStore>());
        services.AddSingleton<ILedgerStore>(static sp => sp.GetRequiredService<SqliteStore>());
        services.AddSingleton(keyCache);
        return true;
    }

    /// <summary>Owns the in-process emulator of demo mode and stops it with the host.</summary>
    private sealed class EmulatorLifetime(EmulatorHost emulator) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public async Task StopAsync(CancellationToken cancellationToken) => await emulator.DisposeAsync().ConfigureAwait(false);
    }
}
