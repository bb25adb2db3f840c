namespace Candor.Core.Receipts;

/// <summary>The receipt's <c>metering</c> member: whether Candor counted and charged the request, and if not why, so
/// that a null <c>usage.counted</c> or <c>charge</c> is never ambiguous.</summary>
internal static class MeteringKind
{
    /// <summary>A stored key's admitted request: Candor counted it and settled a charge (which may be zero).</summary>
    public const string Metered = "metered";

    /// <summary>Token counting, free for every key: nothing is counted or charged.</summary>
    public const string Free = "free";

    /// <summary>A configuration key (from the YAML file): Candor neither counts nor charges its requests.</summary>
    public const string ConfigurationKey = "configuration_key";

    /// <summary>A stored key's request that ended before admission (a body that did not decode, an unknown model,
    /// a refusal): nothing was counted or charged.</summary>
    public const string None = "none";

    /// <summary>The metering of the request behind <paramref name="draft"/>; <paramref name="metered"/> when a meter
    /// settled it.</summary>
    public static string Of(ReceiptDraft draft, bool metered)
    {
        ArgumentNullException.ThrowIfNull(draft);
        return metered ? Metered
            : draft.Kind == ReceiptKind.CountTokens ? Free
            : draft.OwnerId.StartsWith("config:", StringComparison.Ordinal) ? ConfigurationKey
            : None;
    }
}
