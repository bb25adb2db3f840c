using Candor.Storage;

namespace Candor.Server.Hosting;

/// <summary>This process's hold on the data directory's node id (<see cref="NodeIdFile"/>; null when another process holds
/// it), released with the host.</summary>
internal sealed class NodeIdHold(NodeIdFile? file) : IDisposable
{
    public NodeIdFile? File { get; } = file;

    public void Dispose() => File?.Dispose();
}
