using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Candor.Core.Security;

namespace Candor.Storage;

/// <summary>Where the master keys come from: <c>CANDOR_MASTER_KEY</c> when set, else <c>master.keys</c> in the data
/// directory (owner-only, created with one CSPRNG key on first start). Each line of the file, and each
/// comma-separated item of the variable, is <c>id:base64-key</c>; the highest id seals (see
/// <see cref="MasterKeyRing"/>).</summary>
/// <remarks>The master key is kept apart from the database on purpose: a copy of <c>candor.db</c> or of a backup
/// without it holds only ciphertext. Operators who can should supply it from the environment (a secret manager)
/// and keep it off the data volume.</remarks>
internal static class MasterKeyFile
{
    /// <summary>The file in the data directory that holds the ring.</summary>
    public const string FileName = "master.keys";

    /// <summary>The environment variable that supplies the ring instead of the file.</summary>
    public const string EnvironmentVariable = "CANDOR_MASTER_KEY";

    /// <summary>The ring from <c>CANDOR_MASTER_KEY</c> when set, else from (or into) <c>master.keys</c>.</summary>
    public static MasterKeyRing LoadOrCreate(string dataDirectory) =>
        LoadOrCreate(dataDirectory, Environment.GetEnvironmentVariable(EnvironmentVariable));

    /// <summary>The ring from <paramref name="fromEnvironment"/> when it is not empty, else from (or into) the file.</summary>
    public static MasterKeyRing LoadOrCreate(string dataDirectory, string? fromEnvironment)
    {
        if (!string.IsNullOrWhiteSpace(fromEnvironment))
        {
            return Parse(fromEnvironment.Split(','), EnvironmentVariable);
        }

        string path = Path.Combine(DataDirectory.Ensure(dataDirectory), FileName);
        if (!File.Exists(path))
        {
            WriteAtomically(path, Line(1, RandomNumberGenerator.GetBytes(MasterKeyRing.KeyLength)), overwrite: false);
        }

        return Parse(File.ReadAllLines(path), path);
    }

    /// <summary>Adds a new CSPRNG key to <c>master.keys</c> (it becomes the sealing key) and returns the new
    /// ring. Re-sealing what is stored is the caller's next step; the old key stays until
    /// <see cref="RetireOlderThan"/>.</summary>
    public static MasterKeyRing AddKey(string dataDirectory)
    {
        string path = Path.Combine(DataDirectory.Ensure(dataDirectory), FileName);
        var ring = LoadOrCreate(dataDirectory, null);
        var lines = File.ReadAllLines(path).Where(l => l.Trim().Length > 0).ToList();
        lines.Add(Line(ring.CurrentKeyId + 1, RandomNumberGenerator.GetBytes(MasterKeyRing.KeyLength)));
        WriteAtomically(path, string.Join('\n', lines), overwrite: true);
        return Parse(lines, path);
    }

    /// <summary>Removes every key older than <paramref name="keyId"/> from <c>master.keys</c>.</summary>
    public static MasterKeyRing RetireOlderThan(string dataDirectory, uint keyId)
    {
        string path = Path.Combine(DataDirectory.Ensure(dataDirectory), FileName);
        var kept = File.ReadAllLines(path).Where(l => l.Trim().Length > 0 && ParseLine(l, path).Id >= keyId).ToList();
        var ring = Parse(kept, path);
        WriteAtomically(path, string.Join('\n', kept), overwrite: true);
        return ring;
    }

    private static MasterKeyRing Parse(IEnumerable<string> items, string source)
    {
        var keys = new Dictionary<uint, byte[]>();
        foreach (string item in items)
        {
            if (item.Trim().Length == 0)
            {
                continue;
            }

            var (id, key) = ParseLine(item, source);
            if (!keys.TryAdd(id, key))
            {
                throw new InvalidOperationException($"{source}: master key id {id} appears twice.");
            }
        }

        return keys.Count > 0 ? new MasterKeyRing(keys) : throw new InvalidOperationException($"{source} holds no master key.");
    }

    private static (uint Id, byte[] Key) ParseLine(string item, string source)
    {
        string text = item.Trim();
        int colon = text.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0 || !uint.TryParse(text.AsSpan(0, colon), NumberStyles.None, CultureInfo.InvariantCulture, out uint id))
        {
            throw new InvalidOperationException($"{source}: each master key is written 'id:base64-key'.");
        }

        byte[] key;
        try
        {
            key = Convert.FromBase64String(text[(colon + 1)..]);
        }
        catch (FormatException)
        {
            throw new InvalidOperationException($"{source}: master key {id} is not valid base64.");
        }

        return key.Length == MasterKeyRing.KeyLength
            ? (id, key)
            : throw new InvalidOperationException($"{source}: master key {id} must hold {MasterKeyRing.KeyLength} bytes; it holds {key.Length}.");
    }

    private static string Line(uint id, byte[] key) => string.Create(CultureInfo.InvariantCulture, $"{id}:{Convert.ToBase64String(key)}");

    private static void WriteAtomically(string path, string content, bool overwrite) =>
        OwnerOnlyFile.Write(path, Encoding.ASCII.GetBytes(content + "\n"), overwrite);
}
