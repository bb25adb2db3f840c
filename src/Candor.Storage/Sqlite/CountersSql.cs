namespace Candor.Storage.Sqlite;

/// <summary>Every statement on <c>counters</c>: named monotonic counters (the key-store version).</summary>
internal static class CountersSql
{
    public const string KeysVersion = "api_keys_version";

    public const string PricesVersion = "prices_version";

    public const string Increment = "UPDATE counters SET value = value + 1 WHERE name = @name RETURNING value";

    public const string Select = "SELECT value FROM counters WHERE name = @name";
}
