using System.Security.Cryptography;
using Candor.Core.Receipts;

namespace Candor.Storage;

/// <summary>The relay's receipt signing key: the 32-byte Ed25519 seed from <c>CANDOR_RECEIPT_KEY</c> (base64), else
/// from <c>receipt-signing.key</c> in the data directory, created owner-only (0600) on first start.</summary>
internal static class ReceiptKeyFile
{
    /// <summary>The file in the data directory.</summary>
    public const string FileName = "receipt-signing.key";

    /// <summary>The environment variable that can supply the seed instead (base64 of 32 bytes), for nodes that share one key.</summary>
    public const string EnvironmentVariable = "CANDOR_RECEIPT_KEY";

    /// <summary>Loads the seed from <paramref name="base64Seed"/> when set, else from (or into) the data directory.</summary>
    public static byte[] LoadOrCreate(string dataDirectory, string? base64Seed)
    {
        if (TryFromEnvironment(base64Seed) is { } fromEnvironment)
        {
            return fromEnvironment;
        }

        string directory = DataDirectory.Ensure(dataDirectory);
        string path = Path.Combine(directory, FileName);
        if (!File.Exists(path))
        {
            Create(path);
        }

        byte[] seed = File.ReadAllBytes(path);
        return seed.Length == ReceiptSigner.SeedLength
            ? seed
            : throw new InvalidOperationException($"{path} must hold exactly {ReceiptSigner.SeedLength} bytes; it holds {seed.Length}.");
    }

    /// <summary>The seed from <paramref name="base64Seed"/>, or null when it is empty.</summary>
    public static byte[]? TryFromEnvironment(string? base64Seed)
    {
        if (string.IsNullOrWhiteSpace(base64Seed))
        {
            return null;
        }

        byte[] seed;
        try
        {
            seed = Convert.FromBase64String(base64Seed.Trim());
        }
        catch (FormatException)
        {
            throw new InvalidOperationException($"{EnvironmentVariable} is not valid base64.");
        }

        return seed.Length == ReceiptSigner.SeedLength
            ? seed
            : throw new InvalidOperationException($"{EnvironmentVariable} must hold exactly {ReceiptSigner.SeedLength} bytes.");
    }

    private static void Create(string path) =>
        OwnerOnlyFile.Write(path, RandomNumberGenerator.GetBytes(ReceiptSigner.SeedLength), overwrite: false);
}
