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
        if (storage is not null)
        {
            // Before the log appender, which then appends the recovered receipts with the other stored ones.
            services.AddHostedService(sp => new InterruptedReceipts(storage.Store, sp.GetRequiredService<ReceiptService>()));
        }

        services.AddHostedService(static sp => sp.GetRequiredService<ReceiptService>().Appender);
    }

    /// <summary>Crash recovery, before the server listens and once the receipt key is loaded: seals and stores the
    /// <c>interrupted</c> receipt of every request the last process admitted and never settled, under the id its
    /// client was given (their usage records were written by <see cref="BillingSetup.InitializeAsync"/>).</summary>
    private sealed class InterruptedReceipts(RelationalStore store, ReceiptService receipts) : IHostedService
    {
        public async Task StartAsync(CancellationToken cancellationToken)
        {
            var leftovers = await store.ListInterruptedReceiptsAsync(cancellationToken).ConfigureAwait(false);
            if (leftovers.Count > 0)
            {
                await store.StoreInterruptedReceiptsAsync([.. leftovers.Select(a => (a.RequestId, receipts.SealInterrupted(a)))], cancellationToken).ConfigureAwait(false);
            }
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
