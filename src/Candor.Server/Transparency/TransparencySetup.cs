using System.Net;
using Candor.Core.Configuration;
using Candor.Core.Transparency;
using Candor.Storage;
using Candor.Transparency.Log;

namespace Candor.Server.Transparency;

/// <summary>Opens the transparency log in the data directory (<c>&lt;data_dir&gt;/log</c>) and registers it as
/// <see cref="ITransparencyLog"/>. Without a data directory there is no log.</summary>
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
    public static async Task<TileLog> OpenAsync(CandorConfig config, StoreBootstrapResult storage, Func<string, string?> environment, CancellationToken cancellationToken)
    {
        WitnessSubmitter.Validate(config.LogWitnesses);
        string dataDirectory = storage.DataDirectory;
        string directory = Path.Combine(dataDirectory, Subdirectory);
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
    public static async Task CrossCheckAsync(TileLog? log, StoreBootstrapResult? storage, IServiceProvider services, CancellationToken cancellationToken)
    {
        if (log is null || storage is null || !ReferenceEquals(services.GetService<ITransparencyLog>(), log))
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
    public static void AddTransparencyLog(IServiceCollection services, TileLog? log, IReadOnlyList<LogWitness> witnesses)
    {
        if (log is null)
        {
            return;
        }

        services.AddSingleton(log);
        services.AddSingleton<ITransparencyLog>(log);
        services.AddSingleton<CosignedCheckpoint>();
        services.AddHostedService(_ => new LogLifetime(log));
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

    private sealed class LogLifetime(TileLog log) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public async Task StopAsync(CancellationToken cancellationToken) => await log.DisposeAsync().ConfigureAwait(false);
    }
}
