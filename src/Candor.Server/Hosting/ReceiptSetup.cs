using Candor.Core.Admission;
using Candor.Core.Configuration;
using Candor.Core.Receipts;
using Candor.Core.Transparency;
using Candor.Storage;

namespace Candor.Server.Hosting;

/// <summary>Receipts for every relayed chat request (docs/receipts.md): the signing key (<c>CANDOR_RECEIPT_KEY</c>,
/// else <c>receipt-signing.key</c> in the data directory, else a key for this process only), the store (SQLite
/// with a data directory, else memory), and the background transparency-log appender when a log is registered.</summary>
internal static class ReceiptSetup
{
    public static void AddReceipts(IServiceCollection services, CandorConfig config, StoreBootstrapResult? storage, KeyHasher ephemeralHasher, ServeOptions options)
    {
        string? fromEnvironment = options.Environment(ReceiptKeyFile.EnvironmentVariable);
        byte[]? seed = storage is not null
            ? ReceiptKeyFile.LoadOrCreate(storage.DataDirectory, fromEnvironment)
            : ReceiptKeyFile.TryFromEnvironment(fromEnvironment);
        var signer = seed is not null ? new ReceiptSigner(config.Operator.ReceiptKeyName, seed) : ReceiptSigner.CreateEphemeral(config.Operator.ReceiptKeyName);
        services.AddSingleton(signer);
        services.AddSingleton(config.Operator);
        services.AddSingleton<IReceiptStore>(storage is not null ? storage.Store : new MemoryReceiptStore());
        services.AddSingleton(sp => new ReceiptService(
            signer,
            sp.GetRequiredService<IReceiptStore>(),
            storage?.Hasher ?? ephemeralHasher,
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<ReceiptService>>(),
            sp.GetService<System.Diagnostics.Metrics.IMeterFactory>(),
            sp.GetService<ITransparencyLog>(),
            sp.GetService<StoreHealth>()));
        services.AddHostedService<LogAppender>();
    }

    /// <summary>Feeds stored receipts to the transparency log (nothing to do without one).</summary>
    private sealed class LogAppender(ReceiptService receipts) : BackgroundService
    {
        protected override Task ExecuteAsync(CancellationToken stoppingToken) => RunAsync(stoppingToken);

        private async Task RunAsync(CancellationToken stoppingToken)
        {
            try
            {
                await receipts.RunLogAppenderAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                // Stopping.
            }
        }
    }
}
