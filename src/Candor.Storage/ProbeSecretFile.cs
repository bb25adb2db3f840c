using System.Security.Cryptography;
using Candor.Core.Audit;

namespace Candor.Storage;

/// <summary>The audit's probe seed (<see cref="ProbeSecret"/>) in the data directory: <c>audit-probe.key</c>, 32 CSPRNG
/// bytes created owner-only (0600) on first start, like the server secret. It is separate from the server secret so an
/// operator can rotate it (delete the file) without invalidating keys.</summary>
internal static class ProbeSecretFile
{
    /// <summary>The file's name in the data directory.</summary>
    public const string FileName = "audit-probe.key";

    /// <summary>The seed from the file, created first when missing.</summary>
    public static ProbeSecret LoadOrCreate(string dataDirectory)
    {
        string path = Path.Combine(DataDirectory.Ensure(dataDirectory), FileName);
        if (!File.Exists(path))
        {
            OwnerOnlyFile.Write(path, RandomNumberGenerator.GetBytes(ProbeSecret.Length), overwrite: false);
        }

        byte[] seed = File.ReadAllBytes(path);
        return seed.Length == ProbeSecret.Length
            ? new ProbeSecret(seed)
            : throw new InvalidOperationException($"{path} must hold exactly {ProbeSecret.Length} bytes; it holds {seed.Length}.");
    }
}
