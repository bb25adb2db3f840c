using Candor.Core;
using Candor.Core.Configuration;
using Candor.Core.Privacy;
using Candor.Core.Security;
using Candor.Storage;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Candor.Server.Hosting;

/// <summary>Privacy services: the in-memory directory of stored policies (always; empty without a data directory),
/// and with a data directory the store behind it, the master key ring and the opt-in history writer.</summary>
internal static class PrivacySetup
{
    /// <summary>Fails closed: a configuration that asks for history without a data directory to keep it in stops
    /// the start.</summary>
    public static void Check(CandorConfig config, StoreBootstrapResult? storage)
    {
        if (config.Privacy.Retention == RetentionMode.AccountHistory && storage is null)
        {
            throw new ConfigException("privacy.retention: account_history needs a data directory (server.data_dir or CANDOR_DATA) to keep encrypted history in.");
        }
    }

    public static void AddPrivacy(IServiceCollection services, StoreBootstrapResult? storage, Func<string, string?> environment)
    {
        if (storage is null)
        {
            services.AddSingleton(new PrivacyDirectory());
            return;
        }

        services.AddSingleton<IPrivacyStore>(sp => sp.GetRequiredService<RelationalStore>());
        services.AddSingleton(sp => new PrivacyDirectory(sp.GetRequiredService<IPrivacyStore>()));
        // The same ring source as the channels: master.keys is re-read when a data key is sealed or opened, so a
        // `candor master-key rotate` applies without a restart (new data keys are never sealed under a retired key).
        var ring = ChannelSetup.RingSource(storage.DataDirectory, environment);
        services.AddSingleton(sp => new HistoryRecorder(
            sp.GetRequiredService<IPrivacyStore>(), sp.GetRequiredService<PrivacyDirectory>(),
            () => ring() ?? throw new InvalidOperationException("the master key ring cannot be read"),
            sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<HistoryRecorder>>()));
        services.AddHostedService<PrivacyDirectoryRefresher>();
        services.AddHostedService(sp => sp.GetRequiredService<HistoryRecorder>());
    }

    /// <summary>Loads the stored policies before the server listens, then re-reads them every 5 seconds (changes
    /// made by this node apply at once; the period bounds how long another node's change takes).</summary>
    private sealed class PrivacyDirectoryRefresher(PrivacyDirectory directory, TimeProvider time, ILogger<PrivacyDirectoryRefresher> logger,
        ChangeFeed? feed = null) : BackgroundService
    {
        public override async Task StartAsync(CancellationToken cancellationToken)
        {
            await directory.LoadAsync(cancellationToken).ConfigureAwait(false);
            await base.StartAsync(cancellationToken).ConfigureAwait(false);
        }

        protected override async Task ExecuteAsync(CancellationToken stoppingToken)
        {
            using var timer = new PeriodicTimer(TimeSpan.FromSeconds(5), time);
            try
            {
                while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
                {
                    if (feed is { IsListening: true })
                    {
                        continue; // changes are pushed (ChangeFeed); polling is the fallback
                    }

                    try
                    {
                        await directory.LoadAsync(stoppingToken).ConfigureAwait(false);
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
