using Candor.Core;
using Candor.Core.Configuration;
using Candor.Core.Upstream;

namespace Candor.Server.Hosting;

/// <summary>Watches the configuration file and swaps in a new snapshot when it changes. A file that fails
/// validation is rejected with every error it holds (one log line each) and the previous snapshot keeps serving; in-flight requests
/// finish on the snapshot they started with.</summary>
internal sealed partial class ConfigReloader(
    string path, ConfigLoaderFactory loaders, SnapshotBuilder builder, ILogger<ConfigReloader> logger) : IHostedService, IDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private FileSystemWatcher? _watcher;
    private Timer? _debounce;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        string full = Path.GetFullPath(path);
        _watcher = new FileSystemWatcher(Path.GetDirectoryName(full)!, Path.GetFileName(full))
        {
            NotifyFilter = NotifyFilters.LastWrite | NotifyFilters.Size | NotifyFilters.FileName | NotifyFilters.CreationTime,
        };
        _debounce = new Timer(_ => _ = ReloadAsync(), null, Timeout.Infinite, Timeout.Infinite);
        _watcher.Changed += (_, _) => _debounce.Change(200, Timeout.Infinite);
        _watcher.Created += (_, _) => _debounce.Change(200, Timeout.Infinite);
        _watcher.Renamed += (_, _) => _debounce.Change(200, Timeout.Infinite);
        _watcher.EnableRaisingEvents = true;
        return Task.CompletedTask;
    }

    /// <summary>Loads the file now and swaps the snapshot if it is valid. Returns whether it was applied.</summary>
    public async Task<bool> ReloadAsync()
    {
        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            var config = loaders.Create().LoadFile(path);
            await builder.ApplyConfigAsync(config, CancellationToken.None).ConfigureAwait(false);
            logger.ConfigReloaded(path, config.Channels.Count, config.Models.Count);
            return true;
        }
        catch (ConfigException e)
        {
            // One line per fault, so a file with several is fixed in one pass.
            logger.ConfigReloadRejected(e.Errors.Count == 1 ? e.Message : $"{e.Errors.Count} errors");
            if (e.Errors.Count > 1)
            {
                foreach (string error in e.Errors)
                {
                    logger.ConfigError(error);
                }
            }

            return false;
        }
        finally
        {
            _gate.Release();
        }
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _watcher?.Dispose();
        _debounce?.Dispose();
        return Task.CompletedTask;
    }

    public void Dispose()
    {
        _watcher?.Dispose();
        _debounce?.Dispose();
        _gate.Dispose();
    }
}

/// <summary>Creates configuration loaders bound to the provider names and the environment.</summary>
internal sealed class ConfigLoaderFactory(ProviderRegistry providers, Func<string, string?> environment)
{
    public ConfigLoader Create() => new(providers.Names, environment);
}
