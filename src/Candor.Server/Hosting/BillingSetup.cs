using Microsoft.Extensions.DependencyInjection.Extensions;
using Candor.Core;
using Candor.Core.Accounting;
using Candor.Core.Accounts;
using Candor.Core.Admission;
using Candor.Core.Configuration;
using Candor.Storage;

namespace Candor.Server.Hosting;

/// <summary>Accounts, admission, metering and billing for a Candor with a data directory (<c>server.data_dir</c>,
/// else <c>CANDOR_DATA</c>). Without one nothing here runs: configuration keys only, nothing billed.</summary>
internal static class BillingSetup
{
    /// <summary>Opens (or creates) the store when a data directory is configured; prints a newly created
    /// operator key once. Null when there is no data directory.</summary>
    public static async Task<StoreBootstrapResult?> InitializeAsync(CandorConfig config, ServeOptions options, TextWriter? console, CancellationToken cancellationToken)
    {
        string? directory = options.DataDirectory ?? config.DataDirectory ?? (options.Environment("CANDOR_DATA") is { Length: > 0 } env ? env : null);
        if (directory is null)
        {
            return null;
        }

        // storage.postgres (else CANDOR_POSTGRES) moves the store to PostgreSQL; the password always comes from the environment.
        string? postgres = config.PostgresConnection ?? (options.Environment(PostgresEnvironment.ConnectionVariable) is { Length: > 0 } pg ? pg : null);
        var result = await StoreBootstrap.InitializeAsync(directory, postgres, options.Environment(PostgresEnvironment.PasswordVariable), TimeProvider.System, cancellationToken)
            .ConfigureAwait(false);

        // Crash recovery before the server listens: requests admitted by a process that died get their usage record.
        int interrupted = await result.Store.RecoverInterruptedAsync(cancellationToken).ConfigureAwait(false);
        if (interrupted > 0)
        {
            console?.WriteLine($"Recovered {interrupted} request(s) interrupted by the last stop: recorded as 'interrupted', nothing charged.");
        }
        if (result.OperatorKey is { } created)
        {
            console?.WriteLine($"Operator key (shown once; keep it safe): {created.PlaintextKey}");
        }

        return result;
    }

    /// <summary>Registers the store (as itself and its four interfaces), the key cache and its refresher, the
    /// rate limiter, the prices, the token counter, the billing book, the store's health (docs/fail-closed.md) and the gate.</summary>
    public static void AddBilling(IServiceCollection services, StoreBootstrapResult storage, CandorConfig config, Func<string, string?> environment)
    {
        PriceBook prices;
        try
        {
            prices = PriceBook.Load(config.PriceFiles, storage.Store);
        }
        catch
        {
            // The host will not start, so nothing else will close the store.
            storage.Store.Dispose();
            throw;
        }

        var store = storage.Store;
        services.AddSingleton(_ => store);
        services.AddSingleton(store.GetType(), store); // as its engine's type too (SqliteStore or PostgresStore)
        services.AddSingleton<IAccountStore>(sp => sp.GetRequiredService<RelationalStore>());
        services.AddSingleton<IKeyStore>(sp => sp.GetRequiredService<RelationalStore>());
        services.AddSingleton<ILedgerStore>(sp => sp.GetRequiredService<RelationalStore>());
        services.AddSingleton<IUsageReports>(sp => sp.GetRequiredService<RelationalStore>());
        services.AddSingleton<Candor.Core.WebConsole.IKeyOwners>(sp => sp.GetRequiredService<RelationalStore>());
        services.AddSingleton<Candor.Core.WebConsole.IConsoleLists>(sp => sp.GetRequiredService<RelationalStore>());
        services.AddSingleton<IPriceStore>(sp => sp.GetRequiredService<RelationalStore>());
        services.AddSingleton<Candor.Core.Channels.IChannelStore>(sp => sp.GetRequiredService<RelationalStore>());
        services.AddSingleton<Candor.Core.Accounts.Redemptions.IRedemptionStore>(sp => sp.GetRequiredService<RelationalStore>());
        services.AddSingleton(sp => new Candor.Core.Accounts.Redemptions.RedeemThrottle(sp.GetRequiredService<RelationalStore>(), sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton(sp => new ApiKeyCache(sp.GetRequiredService<IKeyStore>(), storage.Hasher));
        ClusterSetup.AddRateLimiter(services, config, environment);
        services.AddSingleton(prices);
        services.TryAddSingleton<TokenCounter>();
        services.AddSingleton<BillingBook>();
        services.AddSingleton(sp => new StoreHealth(sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<StoreHealth>>(),
            sp.GetService<System.Diagnostics.Metrics.IMeterFactory>(), store.ProbeWriteAsync));
        services.AddSingleton<BillingGate>();
        services.AddHostedService<KeyCacheRefresher>();
        // Requests whose answer was withheld are never charged (docs/fail-closed.md): on a shared store ClusterNode runs
        // the rounds, else their own loop.
        services.AddSingleton(sp => new WithheldRequests(store, sp.GetRequiredService<BillingBook>(), sp, sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<WithheldRequests>>()));
        if (!store.IsShared)
        {
            services.AddHostedService<WithheldRequests.Loop>();
        }

        if (store.IsShared)
        {
            // Several nodes on one database: this node's lease, and recovery of the others' (docs/scale-out.md).
            // The node's id persists in the data directory (docs/scale-out.md, "Node ids"); the container releases its lock.
            services.AddSingleton(_ => new NodeIdHold(NodeIdFile.Open(storage.DataDirectory)));
            services.AddSingleton(sp => new ClusterNode(store, sp.GetRequiredService<WithheldRequests>(), sp.GetRequiredService<TimeProvider>(),
                sp.GetRequiredService<ILogger<ClusterNode>>(), sp.GetRequiredService<NodeIdHold>()));
            services.AddHostedService(static sp => sp.GetRequiredService<ClusterNode>());
        }

        if (store is PostgresStore postgres)
        {
            // Changes pushed to every node (LISTEN/NOTIFY); the pollers are the fallback.
            services.AddSingleton(sp => new ChangeFeed(postgres, sp, sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<ChangeFeed>>()));
            services.AddHostedService(static sp => sp.GetRequiredService<ChangeFeed>());
        }

        services.AddHostedService(sp => new DataDirectoryWarning(storage, sp.GetRequiredService<ILogger<DataDirectoryWarning>>()));
    }

    /// <summary>Loads the key cache and the stored prices before the server listens, then applies key and price
    /// changes (made by the CLI or another node; the admin API applies its own at once) and re-reads balances every
    /// second. On PostgreSQL key and price changes are pushed (<see cref="ChangeFeed"/>): their polling runs only while
    /// the feed does not listen.</summary>
    private sealed class KeyCacheRefresher(ApiKeyCache cache, BillingBook book, PriceBook prices, TimeProvider time, ILogger<KeyCacheRefresher> logger,
        ChangeFeed? feed = null) : BackgroundService
    {
        public override async Task StartAsync(CancellationToken cancellationToken)
        {
            await cache.LoadAsync(time.GetUtcNow(), cancellationToken).ConfigureAwait(false);
            await prices.ReloadAsync(cancellationToken).ConfigureAwait(false);
            await base.StartAsync(cancellationToken).ConfigureAwait(false);
        }

        protected override async Task ExecuteAsync(CancellationToken stoppingToken)
        {
            using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1), time);
            try
            {
                while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
                {
                    try
                    {
                        if (feed is not { IsListening: true })
                        {
                            await cache.RefreshAsync(stoppingToken).ConfigureAwait(false);
                            await prices.RefreshAsync(stoppingToken).ConfigureAwait(false);
                        }

                        await book.RefreshAsync(stoppingToken).ConfigureAwait(false);
                    }
                    catch (Exception e) when (e is not OperationCanceledException)
                    {
                        logger.RefreshFailed(e.GetType().Name);
                    }
                }
            }
            catch (OperationCanceledException)
            {
                // Stopping.
            }
        }
    }
}
