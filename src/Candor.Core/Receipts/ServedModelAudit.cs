namespace Candor.Core.Receipts;

/// <summary>The served-model audit: does the model an upstream reported match the deployment's upstream model?
/// Vendors report dated snapshots of an alias (<c>gpt-4o-mini</c> → <c>gpt-4o-mini-2024-07-18</c>) and Gemini
/// may prefix <c>models/</c>, so those count as a match; anything else is a substitution.</summary>
internal static class ServedModelAudit
{
    /// <summary>True when <paramref name="reported"/> names <paramref name="expected"/> or one of its dated snapshots.
    /// An upstream that reports nothing is not judged, nor is a provider whose deployment name is not a model name
    /// (Azure) unless the deployment <paramref name="declared"/> the model it serves (<c>served_model</c>).</summary>
    public static bool Matches(string expected, string? reported, string provider, bool declared = false)
    {
        ArgumentNullException.ThrowIfNull(expected);
        if (string.IsNullOrEmpty(reported) || (!declared && string.Equals(provider, "azure", StringComparison.OrdinalIgnoreCase)))
        {
            return true;
        }

        var r = reported.AsSpan();
        if (r.StartsWith("models/", StringComparison.Ordinal))
        {
            r = r[7..];
        }

        if (r.Equals(expected, StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        // A dated or versioned snapshot: the expected name, a '-' or '@', then a digit.
        return r.Length > expected.Length + 1 && r.StartsWith(expected, StringComparison.OrdinalIgnoreCase)
            && r[expected.Length] is '-' or '@' && char.IsAsciiDigit(r[expected.Length + 1]);
    }
}
