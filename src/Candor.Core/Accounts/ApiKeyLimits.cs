using System.Net;

namespace Candor.Core.Accounts;

/// <summary>The settable restrictions of a key. Empty lists mean "no restriction"; null numbers mean
/// "no limit".</summary>
internal sealed record ApiKeyLimits
{
    /// <summary>No expiry, every model, any address, no budget, no rate limits.</summary>
    public static ApiKeyLimits None { get; } = new();

    /// <summary>After this instant the key is refused.</summary>
    public DateTimeOffset? ExpiresAt { get; init; }

    /// <summary>Public model names the key may call; empty = all.</summary>
    public IReadOnlyList<string> AllowedModels { get; init; } = [];

    /// <summary>Client address ranges in CIDR notation, network address with prefix length and no host bits set
    /// (<c>10.0.0.0/8</c>, <c>2001:db8::/32</c>, <c>203.0.113.7/32</c>); empty = any.</summary>
    public IReadOnlyList<string> AllowedCidrs { get; init; } = [];

    /// <summary>The most this key may spend over its life, in micro-USD.</summary>
    public long? BudgetMicros { get; init; }

    /// <summary>Requests per minute.</summary>
    public int? RpmLimit { get; init; }

    /// <summary>Tokens per minute (counted on reserved tokens).</summary>
    public int? TpmLimit { get; init; }

    /// <summary>Requests in flight at once.</summary>
    public int? ConcurrencyLimit { get; init; }

    /// <summary>Returns the first problem with these limits, or null when they are valid.</summary>
    public string? Validate()
    {
        foreach (var cidr in AllowedCidrs)
        {
            int slash = cidr.IndexOf('/', StringComparison.Ordinal);
            if (slash < 0 || !IPNetwork.TryParse(cidr, out var network))
            {
                return $"'{cidr}' is not a CIDR range.";
            }

            // IPNetwork.TryParse accepts host bits (10.0.0.1/8); such a range is almost always a typo for
            // a single address or a different network, so it is refused rather than silently widened.
            if (!network.BaseAddress.Equals(IPAddress.Parse(cidr.AsSpan(0, slash))))
            {
                return $"'{cidr}' has host bits set; did you mean {network}?";
            }
        }

        foreach (var model in AllowedModels)
        {
            if (string.IsNullOrWhiteSpace(model))
            {
                return "An allowed model name is empty.";
            }
        }

        if (BudgetMicros < 0 || RpmLimit < 0 || TpmLimit < 0 || ConcurrencyLimit < 0)
        {
            return "Budgets and limits cannot be negative.";
        }

        return null;
    }
}
