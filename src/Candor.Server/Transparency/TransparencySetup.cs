using System.Net;
using Candor.Core.Configuration;
using Candor.Core.Transparency;
using Candor.Storage;
using Candor.Transparency.Log;

namespace Candor.Server.Transparency;

/// <summary>Opens the transparency log — this node's in the data directory (<c>&lt;data_dir&gt;/log</c>), or on
/// PostgreSQL the platform's one log shared by every node (<see cref="SharedLog"/>) — and registers it as
/// <see cref="ITransparencyLog"/> and <see cref="IPublishedLog"/>. Without a data directory there is no log.</summary>
internal static class TransparencySetup
{
    /// <summary>The log's subdirectory of the data directory.</summary>
    public const string Subdirectory = "log";

    /// <summary>The copy of the last signed checkpoint in the data directory, apart from the log's own directory.</summary>
    public const string AnchorFile = "log.checkpoint";

    /// <summary>Opens the log: recovery and integration of journaled entries happen here, before the server listens.
    /// The log refuses to open when it is behind or beside the last checkpoint it signed (<see cref="AnchorFile"/>) or
    /// when one of its files does not hold the signed tree. The host then has the database and the log cross-check
    /// each other (<see cref="CrossCheckAsync"/>).</summary>
    public static async Task<IPublishedLog> OpenAsync(CandorConfig config, StoreBootstrapResult storage, Func<string, string?> environment, CancellationToken cancellationToken)
    {
        WitnessSubmitter.Validate(config.LogWitnesses);
        string dataDirectory = storage.DataDirectory;
        string directory = Path.Combine(dataDirectory, Subdirectory);
        if (storage.Store is PostgresStore && !config.Cluster.LocalLog)
        {
            return await OpenSharedAsync(config, storage, environment, directory, cancellationToken).ConfigureAwait(false);
        }

        var options = new TransparencyLogOptions
        {
            Directory = directory,
            AnchorFile = Path.Combine(dataDirectory, AnchorFile),
            Origin = config.LogOrigin ?? StoredOrigin(directory) ?? DefaultOrigin(config.Operator.Domain),
            MaxMergeDelay = config.LogMaxMergeDelay,
            SigningKey = environment(TransparencyLogOptions.SigningKeyVariable),
        };
        try
        {
            return await TileLog.OpenAsync(options, null, cancellationToken).ConfigureAwait(false);
        }
        catch (InvalidDataException e)
        {
            throw new ConfigException($"transparency log: {e.Message}");
        }
    }

    /// <summary>Before the server listens: the database's last logged receipt must be in the log
    /// (<see cref="LogCrossCheck"/>), when this log is the one receipts are appended to (tests may substitute another
    /// <see cref="ITransparencyLog"/>, whose indexes this log never held). The log is closed when the check fails.</summary>
    public static async Task CrossCheckAsync(IPublishedLog? published, StoreBootstrapResult? storage, IServiceProvider services, CancellationToken cancellationToken)
    {
        // The shared log needs no cross-check: the database holds it, and receipts get their index in its passes.
        if (published is not TileLog log || storage is null || !ReferenceEquals(services.GetService<ITransparencyLog>(), log))
        {
            return;
        }

        try
        {
            await LogCrossCheck.CheckAsync(log, storage.Store, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await log.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Registers the log (as itself and as <see cref="ITransparencyLog"/>) and closes it with the host,
    /// integrating what is journaled; with witnesses, the submitter that gets each checkpoint cosigned.</summary>
    public static void AddTransparencyLog(IServiceCollection services, IPublishedLog? log, IReadOnlyList<LogWitness> witnesses)
    {
        if (log is null)
        {
            return;
        }

        services.AddSingleton(log.GetType(), log); // as TileLog or SharedLog too
        services.AddSingleton(log);
        services.AddSingleton<ITransparencyLog>(log);
        services.AddSingleton<CosignedCheckpoint>();
        services.AddHostedService(sp => new LogLifetime(log, sp.GetRequiredService<ILogger<SharedLog>>()));
        if (witnesses.Count > 0)
        {
            services.AddHostedService(sp => new WitnessSubmitter(
                log, witnesses, sp.GetRequiredService<CosignedCheckpoint>(), new HttpClient { Timeout = TimeSpan.FromSeconds(10) },
                sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<WitnessSubmitter>>()));
        }
    }

    /// <summary>The default origin of a new log when <c>server.log_origin</c> is unset: the log's URL prefix without the
    /// scheme, as tlog-tiles recommends, for a Candor served at <c>https://&lt;operator.domain&gt;/</c> (the domain that
    /// also names the receipt key), else at its host name: <c>&lt;domain or host name&gt;/log</c>, lower case.</summary>
    public static string DefaultOrigin(string? domain = null) =>
        (string.IsNullOrWhiteSpace(domain) ? Dns.GetHostName() : domain.Trim().TrimEnd('/')).ToLowerInvariant() + "/log";

    /// <summary>The origin line of the checkpoint an existing log holds (unverified: opening the log verifies it), so
    /// that a change of the default never strands a log whose origin was the default; null without one.</summary>
    private static string? StoredOrigin(string directory)
    {
        string path = Path.Combine(directory, TileLog.CheckpointFile);
        if (!File.Exists(path))
        {
            return null;
        }

        using var reader = new StreamReader(path, System.Text.Encoding.UTF8);
        return reader.ReadLine() is { Length: > 0 } origin ? origin : null;
    }

    /// <summary>The platform's log (<see cref="SharedLog"/>): its origin is the stored one (else the configured, else the
    /// default with <c>operator.domain</c> — set one of them, since the host name differs between nodes); its key is
    /// <c>CANDOR_LOG_KEY</c>, else <c>log/signing.key</c> of the data directory, which every node must share, as the
    /// receipt key.</summary>
    private static async Task<SharedLog> OpenSharedAsync(CandorConfig config, StoreBootstrapResult storage, Func<string, string?> environment, string directory, CancellationToken cancellationToken)
    {
        string connection = config.PostgresConnection ?? PostgresEnvironment.Connection(environment)
            ?? throw new ConfigException("transparency log: no PostgreSQL connection string for the shared log");
        byte[] seed = ReceiptKeyFile.LoadOrCreate(storage.DataDirectory, environment(ReceiptKeyFile.EnvironmentVariable));
        using var receipts = new Candor.Core.Receipts.ReceiptSigner(config.Operator.ReceiptKeyName, seed);
        try
        {
            return await SharedLog.OpenAsync(connection, environment(PostgresEnvironment.PasswordVariable), config.LogOrigin, DefaultOrigin(config.Operator.Domain),
                origin =>
                {
                    if (OperatingSystem.IsWindows())
                    {
                        Directory.CreateDirectory(directory);
                    }
                    else if (!Directory.Exists(directory))
                    {
                        Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
                    }

                    return TileLog.LoadSigner(directory, new TransparencyLogOptions { Directory = directory, Origin = origin, SigningKey = environment(TransparencyLogOptions.SigningKeyVariable) });
                },
                receipts.VerifierKey, config.LogMaxMergeDelay, TimeProvider.System, cancellationToken).ConfigureAwait(false);
        }
        catch (InvalidDataException e)
        {
            throw new ConfigException($"transparency log: {e.Message}");
        }
    }

    private sealed class LogLifetime(IPublishedLog log, ILogger logger) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            (log as SharedLog)?.Start(logger);
            return Task.CompletedTask;
        }

        public async Task StopAsync(CancellationToken cancellationToken)
        {
            if (log is IAsyncDisposable disposable)
            {
                await disposable.DisposeAsync().ConfigureAwait(false);
            }
        }
    }
}
