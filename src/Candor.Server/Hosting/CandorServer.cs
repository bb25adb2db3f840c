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

        // Billing: only with a data directory (not in demo mode).
        var storage = options.Demo ? null : await BillingSetup.InitializeAsync(config, options, console, cancellationToken).ConfigureAwait(false);

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
        if (storage is not null)
        {
            BillingSetup.AddBilling(services, storage, config);
        }

        ReceiptSetup.AddReceipts(services, config, storage, hasher, options);
        options.ConfigureServices?.Invoke(services);

        if (emulator is not null)
        {
            services.AddHostedService(_ => new EmulatorLifetime(emulator));
        }

        if (!options.Demo && options.Watch)
        {
            services.AddSingleton(sp => new ConfigReloader(options.ConfigPath, loaders, holder, providers, clients, hasher, sp.GetRequiredService<ILogger<ConfigReloader>>()));
            services.AddHostedService(sp => sp.GetRequiredService<ConfigReloader>());
        }

        var app = builder.Build();
        app.MapGet("/healthz", static () => Results.Text("ok"));
        app.MapOpenAI();
        app.MapAnthropic();
        app.MapGemini();
        app.MapReceipts();
        if (storage is not null)
        {
            app.MapSelfService();
            app.MapAdmin();
        }

        return app;
    }

    /// <summary>Owns the in-process emulator of demo mode and stops it with the host.</summary>
    private sealed class EmulatorLifetime(EmulatorHost emulator) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public async Task StopAsync(CancellationToken cancellationToken) => await emulator.DisposeAsync().ConfigureAwait(false);
    }
}
