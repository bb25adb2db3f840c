using Candor.Storage;

namespace Candor.Server.Hosting;

/// <summary>Tells the operator, once at start, that the data directory was open to other users (it has been
/// tightened by <see cref="DataDirectory.Tighten"/>) or that some of it could not be tightened.</summary>
internal sealed class DataDirectoryWarning(StoreBootstrapResult storage, ILogger<DataDirectoryWarning> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        var permissions = storage.Permissions;
        if (permissions.WasOpen)
        {
            logger.DataDirectoryWasOpen(storage.DataDirectory, permissions.Tightened);
        }

        if (permissions.Failed > 0)
        {
            logger.DataDirectoryNotTightened(storage.DataDirectory, permissions.Failed);
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
