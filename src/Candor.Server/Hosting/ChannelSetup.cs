using Candor.Core.Security;
using Candor.Storage;

namespace Candor.Server.Hosting;

/// <summary>Where the server's master key ring comes from for channel credentials.</summary>
internal static class ChannelSetup
{
    /// <summary>A source of the ring: the fixed ring of <c>CANDOR_MASTER_KEY</c> when set, else <c>master.keys</c> in the
    /// data directory, re-read on each call so that a rotation by <c>candor master-key rotate</c> is seen by a running
    /// server (rebuilds are rare: a channel change or a rotation). The file is created with one key on first start.
    /// Null when the ring cannot be read (channels with a credential are then not routed, with the reason shown).</summary>
    public static Func<MasterKeyRing?> RingSource(string dataDirectory, Func<string, string?> environment)
    {
        string? fromEnvironment = environment(MasterKeyFile.EnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(fromEnvironment))
        {
            var fixedRing = MasterKeyFile.LoadOrCreate(dataDirectory, fromEnvironment);
            return () => fixedRing;
        }

        // Created now, at start, so that a first credential written through the API finds the file.
        MasterKeyFile.LoadOrCreate(dataDirectory, null);
        return () =>
        {
            try
            {
                return MasterKeyFile.LoadOrCreate(dataDirectory, null);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidOperationException)
            {
                return null;
            }
        };
    }
}
