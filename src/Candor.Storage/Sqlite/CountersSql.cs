namespace Candor.Storage.Sqlite;

/// <summary>Every statement on <c>counters</c>: named monotonic counters, one per kind of change every node must see (on PostgreSQL an update of one is also a change notification, <c>candor_changes</c>; docs/scale-out.md).</summary>
internal static class CountersSql
{
    public const string KeysVersion = "api_keys_version";

    public const string PricesVersion = "prices_version";

    /// <summary>Grows with every stored privacy policy change (migration 13).</summary>
    public const string PrivacyVersion = "privacy_version";

    /// <summary>Grows with every quarantine added or lifted (migration 13).</summary>
    public const string QuarantinesVersion = "quarantines_version";

    public const string Increment = "UPDATE counters SET value = value + 1 WHERE name = @name RETURNING value";

    public const string Select = "SELECT value FROM counters WHERE name = @name";
}
