namespace Candor.Core.Receipts;

/// <summary>The audit flags a receipt can carry. Each is counted in the <c>candor.audit.flags</c> metric and logged
/// as a warning.</summary>
internal static class AuditFlags
{
    /// <summary>The upstream reported a model other than the deployment's upstream model.</summary>
    public const string ServedModelMismatch = "served_model_mismatch";

    /// <summary>The upstream's usage differs from Candor's own count beyond the provider's tolerance.</summary>
    public const string UsageDiscrepancy = "usage_discrepancy";

    /// <summary>The <c>lesser_of_reported_and_counted</c> policy billed Candor's count, below the upstream's report.</summary>
    public const string BilledLesser = "billed_lesser";

    /// <summary>Prefix of a forwarded parameter that differs from the client's without a listed transformation
    /// (<c>parameter_changed:temperature</c>).</summary>
    public const string ParameterChangedPrefix = "parameter_changed:";

    /// <summary>The forwarded body could not be read back to check it.</summary>
    public const string ForwardedUnreadable = "forwarded_unreadable";
}
