using Candor.Core.Accounting;
using Candor.Core.Accounts;
using Candor.Core.Admission;
using Candor.Core.Audit;
using Candor.Core.Configuration;
using Candor.Core.Relay;
using Candor.Core.Routing;
using Candor.Core.Upstream;
using Candor.Providers;
using Candor.Server.Admin;
using Candor.Server.Operations;
using Candor.Server.Surfaces;
using Candor.Server.Transparency;
using Candor.Storage;
using Microsoft.Extensions.DependencyInjection.Extensions;

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
        IAsyncDisposable? emulator = null;
        if (options.Demo)
        {
            (config, emulator, console) = await StartDemoAsync(options, console, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            config = loaders.Create().LoadFile(options.ConfigPath);
            // Candor's own console lines follow the log format (with JSON logs, JSON lines too).
            console = TelemetrySetup.ConsoleLines(console, config.Telemetry, options.Environment, options.TimeProvider);
        }

        // Billing: only with a data directory (not in demo mode).
        var storage = options.Demo ? null : await BillingSetup.InitializeAsync(config, options, console, cancellationToken).ConfigureAwait(false);
        try
        {
            PrivacySetup.Check(config, storage);
        }
        catch
        {
            storage?.Store.Dispose();
            throw;
        }
        var transparencyLog = storage is null ? null : await TransparencySetup.OpenAsync(config, storage, options.Environment, cancellationToken).ConfigureAwait(false);

        // Candor's configuration is its YAML (watched by ConfigReloader); appsettings.json is read once, not watched: a
        // watch puts an inotify watcher on every directory under the content root (the working directory), and every
        // write there — a data directory under it, the store's WAL, the log's tiles — wakes its thread.
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = ["--hostBuilder:reloadConfigOnChange=false"] });
        builder.WebHost.UseUrls(options.Urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        NetworkSetup.Configure(builder, config, options);
        builder.WebHost.ConfigureKestrel(k =>
        {
            // Candor enforces its own body limit so that the 413 comes in the client's envelope.
            k.Limits.MaxRequestBodySize = null;
            k.AddServerHeader = false;

            // Admission control (docs/admission-control.md): connections beyond the bound are closed at accept.
            k.Limits.MaxConcurrentConnections = config.Admission.MaxConnections;
            k.Limits.MaxConcurrentUpgradedConnections = config.Admission.MaxConnections;
        });
        builder.Logging.ClearProviders();
        TelemetrySetup.AddConsole(builder.Logging, config.Telemetry, options.Environment);
        builder.Logging.SetMinimumLevel(options.LogLevel);
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        // Hosting starts an Activity for every request while this logger is enabled at any level, though it writes
        // nothing at Warning; Candor's spans come from its own source (CandorTracing), so an Activity is created only
        // when a listener of ASP.NET Core's source asks for one.
        builder.Logging.AddFilter("Microsoft.AspNetCore.Hosting.Diagnostics", LogLevel.None);
        builder.Logging.AddFilter("System.Net.Http", LogLevel.Warning);
        if (options.LoggerProvider is { } extraLogger)
        {
            builder.Logging.AddProvider(extraLogger);
        }

        var clients = new UpstreamClients();
        // The configuration keys are hashed under the server secret too, when there is one: admission then hashes a
        // presented key once for both lookups (the hashes stay in memory, as the stored keys' are on disk).
        var hasher = storage?.Hasher ?? KeyHasher.CreateEphemeral();
        var holder = new SnapshotHolder(RuntimeSnapshot.Build(config, providers, clients, hasher));
        var ring = storage is null ? null : ChannelSetup.RingSource(storage.DataDirectory, options.Environment);
        var services = builder.Services;
        services.AddSingleton(providers);
        services.AddSingleton(loaders);
        services.AddSingleton(clients);
        services.AddSingleton(hasher);
        services.AddSingleton(holder);
        services.AddSingleton(options.TimeProvider);
        services.AddSingleton(sp => new HealthEvents(sp.GetRequiredService<ILogger<HealthEvents>>(), sp.GetService<System.Diagnostics.Metrics.IMeterFactory>()));
        services.AddSingleton(sp => new HealthRegistry(sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<HealthEvents>()));
        services.AddSingleton(sp => new Router(sp.GetRequiredService<HealthRegistry>(), Random.Shared, sp.GetService<SharedDeploymentLimits>()));
        services.AddHostedService<HealthProber>();
        services.AddSingleton<TokenEstimator>();
        services.AddSingleton(sp => new ChannelQuarantine(storage is null ? null : sp.GetRequiredService<RelationalStore>()));
        services.TryAddSingleton<TokenCounter>();
        var trafficLimits = new TrafficLimits();
        services.AddSingleton(trafficLimits);
        services.AddSingleton(storage is null
            ? new ProbeGenerator(ProbeSecret.Ephemeral(), new PrivateProbeBank(Array.Empty<ProbeBankEntry>()), trafficLimits)
            : new ProbeGenerator(ProbeSecretFile.LoadOrCreate(storage.DataDirectory), ProbeBankFile.Open(storage.DataDirectory), trafficLimits));
        if (storage is not null)
        {
            services.AddSingleton<IAuditEvidenceStore>(sp => sp.GetRequiredService<RelationalStore>());
        }

        services.AddSingleton<ChannelAuditor>();
        services.AddHostedService<AuditScheduler>();
        services.AddSingleton<NodeAdmission>();
        services.AddSingleton<Candor.Core.Relay.Pipeline.AdmissionPipeline>();
        services.AddSingleton<ChatRelay>();
        services.AddSingleton<AuxiliaryRelay>();
        services.AddSingleton<MediaRelay>();
        services.AddSingleton(sp => new SnapshotBuilder(holder, config, providers, clients, hasher, storage?.Store, ring ?? (static () => null), sp.GetRequiredService<ILogger<SnapshotBuilder>>()));
        if (storage is not null)
        {
            BillingSetup.AddBilling(services, storage, config, options.Environment);
            WebConsole.ConsoleEndpoints.AddConsole(services);
            WebConsole.SignUpEndpoints.AddSignUp(services, config.Registration, options.Environment);
            services.AddHostedService<ChannelRefresher>();
            Payments.PaymentProviders.Add(services, config);
        }

        TransparencySetup.AddTransparencyLog(services, transparencyLog, config.LogWitnesses);
        ReceiptSetup.AddReceipts(services, config, storage, hasher, options);
        PrivacySetup.AddPrivacy(services, storage, options.Environment);

        if (emulator is not null)
        {
            services.AddHostedService(_ => new EmulatorLifetime(emulator));
        }

        if (!options.Demo && options.Watch)
        {
            services.AddSingleton(sp => new ConfigReloader(options.ConfigPath, loaders, sp.GetRequiredService<SnapshotBuilder>(), sp.GetRequiredService<ILogger<ConfigReloader>>()));
            services.AddHostedService(sp => sp.GetRequiredService<ConfigReloader>());
        }

        TelemetrySetup.AddTelemetry(services, config.Telemetry, options.Environment);
        services.AddSingleton<Readiness>();
        options.ConfigureServices?.Invoke(services);
        var app = builder.Build();
        if (console is not null)
        {
            app.Lifetime.ApplicationStarted.Register(() => WriteStarted(console, app));
        }

        await TransparencySetup.CrossCheckAsync(transparencyLog, storage, app.Services, cancellationToken).ConfigureAwait(false);

        // Refusals at the in-flight bound come before everything else, routing included (docs/admission-control.md).
        app.UseAdmissionGate();
        app.UseRouting();
        app.UseContentSafeExceptions();
        NetworkSetup.Use(app, config);
        app.UseUnknownRoutes();
        app.MapHealth(config.Telemetry);
        TelemetrySetup.MapMetrics(app, config.Telemetry);
        app.MapPrivacy();
        app.MapOpenAI();
        app.MapMedia();
        app.MapResponses();
        app.MapAnthropic();
        app.MapGemini();
        app.MapModels();
        app.MapReceipts();
        if (storage is not null)
        {
            app.MapSelfService();
            app.MapHistory();
            app.MapAdmin();
            WebConsole.ConsoleEndpoints.MapConsole(app);
            Payments.PaymentEndpoints.MapPayments(app);
        }

        app.MapTransparencyLog();

        return app;
    }

    /// <summary>Once Kestrel listens (the addresses are the bound ones): where, and the one-CPU runtime settings when this
    /// process runs with them (<see cref="OneCpuRuntime"/>).</summary>
    private static void WriteStarted(TextWriter console, WebApplication app)
    {
        console.WriteLine($"Candor listening on {string.Join(", ", app.Urls)}");
        if (OneCpuRuntime.Describe(Environment.ProcessorCount, Environment.GetEnvironmentVariable, GC.GetConfigurationVariables()) is { } runtime)
        {
            console.WriteLine($"Candor runtime: {runtime}");
        }
    }

    /// <summary>Demo mode: starts the in-process emulator and prints where it is and the demo key. A method of its own
    /// whose signature names no emulator type: compiling <see cref="BuildAsync"/> then does not load Candor.Emulator,
    /// which <c>candor serve</c> without <c>--demo</c> never uses (docs/benchmarks.md, "Idle resident memory: what
    /// loads at start").</summary>
    private static async Task<(CandorConfig Config, IAsyncDisposable Emulator, TextWriter? Console)> StartDemoAsync(ServeOptions options, TextWriter? console, CancellationToken cancellationToken)
    {
        var demo = await DemoSetup.StartAsync(options.Environment, cancellationToken).ConfigureAwait(false);
        console = TelemetrySetup.ConsoleLines(console, demo.Config.Telemetry, options.Environment, options.TimeProvider);
        console?.WriteLine($"Candor demo: emulated upstreams at {demo.Emulator.BaseAddress}");
        console?.WriteLine(demo.Generated
            ? $"Demo key (set {DemoSetup.KeyVariable} to choose your own): {demo.Key}"
            : $"Demo key: taken from {DemoSetup.KeyVariable}");
        console?.WriteLine($"Models: {string.Join(", ", demo.Config.Models.Select(static m => m.Name))}");
        return (demo.Config, demo.Emulator, console);
    }

    /// <summary>Owns the in-process emulator of demo mode and stops it with the host.</summary>
    private sealed class EmulatorLifetime(IAsyncDisposable emulator) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public async Task StopAsync(CancellationToken cancellationToken) => await emulator.DisposeAsync().ConfigureAwait(false);
    }
}
