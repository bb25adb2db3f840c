namespace Candor.Core.Privacy;

/// <summary>The response header that reports the privacy policy applied to a request.</summary>
internal static class PrivacyHeaders
{
    /// <summary><c>x-candor-privacy-policy: regions=cn; upstream_retention=none; training=never; retention=none</c>
    /// (the routing requirement, then what Candor keeps: <c>none</c>, or <c>history</c> when the account's encrypted
    /// history records the request). The redaction stage may append its own <c>; </c>-separated parts.</summary>
    public const string Policy = "x-candor-privacy-policy";

    /// <summary>The header value for <paramref name="privacy"/>.</summary>
    public static string Describe(EffectivePrivacy privacy)
    {
        ArgumentNullException.ThrowIfNull(privacy);
        return DataPolicyRequirements.Describe(privacy.Routing) + (privacy.HistoryEnabled ? "; retention=history" : "; retention=none");
    }
}
