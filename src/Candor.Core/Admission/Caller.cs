using Candor.Core.Accounts;

namespace Candor.Core.Admission;

/// <summary>Who made a request: a configuration key (no account, unlimited, unbilled) or a stored key. Set as
/// an HTTP feature by authentication and read by the relay.</summary>
/// <param name="Key">The stored key, or null for a configuration key.</param>
public sealed record Caller(ApiKeyRecord? Key)
{
    /// <summary>A key from the configuration file.</summary>
    public static Caller ConfigKey { get; } = new((ApiKeyRecord?)null);

    /// <summary>The name of the configuration key, when the caller presented one (selects its privacy policy).</summary>
    public string? ConfigKeyName { get; init; }
}
