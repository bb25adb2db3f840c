using System.Security.Cryptography;

namespace Candor.Storage;

/// <summary>The server secret: the HMAC key under which client keys are hashed (see
/// <see cref="Core.Admission.KeyHasher"/>). Losing it invalidates every key; leaking it lets an attacker test
/// guesses offline, so it lives in an owner-only file.</summary>
internal static class ServerSecret
{
    /// <summary>The file in the data directory that holds the 32 secret bytes.</summary>
    public const string FileName = "secret.key";

    /// <summary>The environment variable that can supply the secret instead (base64, at least 32 bytes), for
    /// nodes that share one database.</summary>
    public const string EnvironmentVariable = "CANDOR_SECRET";

    /// <summary>Secret length in bytes.</summary>
    public const int Length = 32;

    /// <summary>The secret from <c>CANDOR_SECRET</c> when set, else from <c>secret.key</c> in the data directory,
    /// which is created (mode 0600) with 32 CSPRNG bytes on first start.</summary>
    public static byte[] LoadOrCreate(string dataDirectory) =>
        LoadOrCreate(dataDirectory, Environment.GetEnvironmentVariable(EnvironmentVariable));

    /// <summary>The secret from <paramref name="base64Secret"/> when it is not empty, else from (or into) the file.</summary>
    public static byte[] LoadOrCreate(string dataDirectory, string? base64Secret)
    {
        if (!string.IsNullOrWhiteSpace(base64Secret))
        {
            byte[] fromEnvironment;
            try
            {
                fromEnvironment = Convert.FromBase64String(base64Secret.Trim());
            }
            catch (FormatException)
            {
                throw new InvalidOperationException($"{EnvironmentVariable} is not valid base64.");
            }

            return fromEnvironment.Length >= Length
                ? fromEnvironment
                : throw new InvalidOperationException($"{EnvironmentVariable} must hold at least {Length} bytes.");
        }

        string directory = DataDirectory.Ensure(dataDirectory);
        string path = Path.Combine(directory, FileName);
        if (!File.Exists(path))
        {
            Create(path);
        }

        byte[] secret = File.ReadAllBytes(path);
        return secret.Length == Length
            ? secret
            : throw new InvalidOperationException($"{path} must hold exactly {Length} bytes; it holds {secret.Length}.");
    }

    private static void Create(string path) =>
        OwnerOnlyFile.Write(path, RandomNumberGenerator.GetBytes(Length), overwrite: false);
}
