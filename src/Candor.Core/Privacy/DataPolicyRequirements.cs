using System.Collections.Frozen;
using System.Text;

namespace Candor.Core.Privacy;

/// <summary>Operations on <see cref="DataPolicyRequirement"/>: the intersection that makes an effective policy, the
/// compliance check, and the short description used in headers and errors.</summary>
internal static class DataPolicyRequirements
{
    /// <summary>The stricter of two requirements: regions are intersected (null = any), flags are or-ed.</summary>
    public static DataPolicyRequirement Intersect(DataPolicyRequirement a, DataPolicyRequirement? b)
    {
        ArgumentNullException.ThrowIfNull(a);
        if (b is null || ReferenceEquals(a, b))
        {
            return a;
        }

        IReadOnlySet<string>? regions = (a.Regions, b.Regions) switch
        {
            (null, null) => null,
            (null, { } r) => r,
            ({ } r, null) => r,
            ({ } r1, { } r2) => r1.Where(r2.Contains).ToFrozenSet(StringComparer.Ordinal),
        };
        return new DataPolicyRequirement(regions, a.ZeroRetentionOnly || b.ZeroRetentionOnly, a.NeverTrain || b.NeverTrain);
    }

    /// <summary>True when a channel declaring <paramref name="channel"/> may receive a request under
    /// <paramref name="requirement"/>. Undeclared values (region "unknown", retention and training
    /// <c>Unknown</c>) never satisfy a requirement on them.</summary>
    public static bool Complies(ChannelDataPolicy channel, DataPolicyRequirement requirement)
    {
        ArgumentNullException.ThrowIfNull(channel);
        ArgumentNullException.ThrowIfNull(requirement);
        return (requirement.Regions is not { } regions || regions.Contains(channel.Region))
            && (!requirement.ZeroRetentionOnly || channel.Retention == UpstreamRetention.None)
            && (!requirement.NeverTrain || channel.Training == TrainingUse.Never);
    }

    /// <summary>True when the requirement restricts nothing.</summary>
    public static bool IsOpen(DataPolicyRequirement requirement) =>
        requirement.Regions is null && !requirement.ZeroRetentionOnly && !requirement.NeverTrain;

    /// <summary>A short, stable description: <c>regions=cn,eu; upstream_retention=none; training=never</c>, with
    /// <c>any</c> for what is not restricted.</summary>
    public static string Describe(DataPolicyRequirement requirement)
    {
        ArgumentNullException.ThrowIfNull(requirement);
        var b = new StringBuilder(64);
        b.Append("regions=").Append(requirement.Regions is { } r ? (r.Count == 0 ? "none" : string.Join(',', r.Order(StringComparer.Ordinal))) : "any");
        b.Append("; upstream_retention=").Append(requirement.ZeroRetentionOnly ? "none" : "any");
        b.Append("; training=").Append(requirement.NeverTrain ? "never" : "any");
        return b.ToString();
    }

    /// <summary>A requirement with the given regions (normalised to lower case; null = any).</summary>
    public static DataPolicyRequirement Create(IEnumerable<string>? regions, bool zeroRetentionOnly, bool neverTrain) =>
        new(regions?.Select(static r => r.Trim().ToLowerInvariant()).ToFrozenSet(StringComparer.Ordinal), zeroRetentionOnly, neverTrain);

    /// <summary>True when <paramref name="region"/> is a plausible region code: 1–32 of a–z, 0–9 and '-'.</summary>
    public static bool IsValidRegion(string region) =>
        region.Length is > 0 and <= 32 && region.All(static c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-');
}
