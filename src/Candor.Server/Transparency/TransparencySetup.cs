using System.Net;
using Candor.Core.Configuration;
using Candor.Core.Transparency;
using Candor.Transparency.Log;

namespace Candor.Server.Transparency;

/// <summary>Opens the transparency log in the data directory (<c>&lt;data_dir&gt;/log</c>) and registers it as
/// <see cref="ITransparencyLog"/>. Without a data directory there is no log.</summary>
internal static class TransparencySetup
{
    /// <summary>The log's subdirectory of the data directory.</summary>
    public const string Subdirectory = "log";

    /// <summary>Opens the log: recovery and integration of journaled entries happen here, before the server listens.</summary>
    public static async Task<TileLog> OpenAsync(CandorConfig config, string dataDirectory, Func<string, string?> environment, CancellationToken cancellationToken)
    {
        var options = new TransparencyLogOptions
        {
            Directory = Path.Combine(dataDirectory, Subdirectory),
            Origin = config.LogOrigin ?? DefaultOrigin(),
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

    /// <summary>Registers the log (as itself and as <see cref="ITransparencyLog"/>) and closes it with the host,
    /// integrating what is journaled.</summary>
    public static void AddTransparencyLog(IServiceCollection services, TileLog? log)
    {
        if (log is null)
        {
            return;
        }

        services.AddSingleton(log);
        services.AddSingleton<ITransparencyLog>(log);
        services.AddHostedService(_ => new LogLifetime(log));
    }

    /// <summary><c>&lt;host name&gt;/log</c>, lower case: the default origin when <c>server.log_origin</c> is unset.</summary>
    public static string DefaultOrigin() => Dns.GetHostName().ToLowerInvariant() + "/log";

    private sealed class LogLifetime(TileLog log) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public async Task StopAsync(CancellationToken cancellationToken) => await log.DisposeAsync().ConfigureAwait(false);
    }
}
