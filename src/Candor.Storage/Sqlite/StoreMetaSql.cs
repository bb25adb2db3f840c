namespace Candor.Storage.Sqlite;

/// <summary>Every statement on <c>store_meta</c>: named facts about the database itself.</summary>
internal static class StoreMetaSql
{
    /// <summary>The keyed hash of a fixed text under the server secret: tells whether the secret in use is the
    /// one the stored key hashes were made with.</summary>
    public const string SecretCheck = "secret_check";

    public const string SecretCheckInput = "candor:secret-check:v1";

    public const string InsertIfMissing = "INSERT INTO store_meta (name, value) VALUES (@name, @value) ON CONFLICT (name) DO NOTHING";

    /// <summary>The row the store-health probe rewrites: a small durable write that shows the store takes writes.</summary>
    public const string WriteProbe = "write_probe";

    public const string Upsert = "INSERT INTO store_meta (name, value) VALUES (@name, @value) ON CONFLICT (name) DO UPDATE SET value = excluded.value";

    public const string Select = "SELECT value FROM store_meta WHERE name = @name";
}
