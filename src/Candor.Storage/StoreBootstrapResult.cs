using Candor.Core.Accounts;
using Candor.Core.Admission;

namespace Candor.Storage;

/// <summary>What <see cref="StoreBootstrap.InitializeAsync(string, string?, string?, TimeProvider?, CancellationToken)"/> set up.</summary>
/// <param name="DataDirectory">The full path of the data directory.</param>
/// <param name="Store">The open store; the caller disposes it.</param>
/// <param name="Hasher">The key hasher under the server secret, for admission.</param>
/// <param name="OperatorKey">The operator key created by this call (print its plaintext once), or null when a
/// live operator key already existed.</param>
internal sealed record StoreBootstrapResult(string DataDirectory, RelationalStore Store, KeyHasher Hasher, CreatedApiKey? OperatorKey)
{
    /// <summary>What tightening the data directory to owner-only found at this start (the host warns when it was open).</summary>
    public DirectoryTightening Permissions { get; init; }
}
