using Candor.Core.Accounts;

namespace Candor.Core.Admission;

/// <summary>Who made a request: a configuration key (no account, unlimited, unbilled) or a stored key. Set as
/// an HTTP feature by authentication and read by the relay.</summary>
/// <param name="Key">The stored key, or null for a configuration key.</param>
/// <param name="Name">The configuration key's name (null for stored keys): receipts name their owner by it.</param>
internal sealed record Caller(ApiKeyRecord? Key, string? Name = null)
{
    /// <summary>A key from the configuration file (name unknown).</summary>
    public static Caller ConfigKey { get; } = new((ApiKeyRecord?)null);

    /// <summary>The configuration key named <paramref name="name"/>.</summary>
    public static Caller ForConfigKey(string name) => new(null, name);

    /// <summary>The name of the configuration key used (<c>keys[].name</c>); null for a stored key or when unknown.</summary>
    public string? ConfigKeyName => Name;
}
