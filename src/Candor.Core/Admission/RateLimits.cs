namespace Candor.Core.Admission;

/// <summary>A key's limits; null means unlimited.</summary>
internal sealed record RateLimits(int? RequestsPerMinute, int? TokensPerMinute, int? Concurrency)
{
    public static readonly RateLimits None = new(null, null, null);
}
