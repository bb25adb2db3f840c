namespace Candor.Core.Payments;

/// <summary>Money between a payment service's minor units and Candor's micro-USD. Balances are US dollars, so only
/// <c>usd</c> converts: 1 cent = 10,000 micro-USD, exactly, both ways; an amount in micro-USD converts to cents only
/// when it is whole cents. Any other currency converts to nothing (no exchange rate is ever applied).</summary>
internal static class UsdMinorUnits
{
    /// <summary>Micro-USD in one cent.</summary>
    public const long MicrosPerCent = 10_000;

    /// <summary>The amount in micro-USD, or null when the currency is not USD or the amount is negative or too large.</summary>
    public static long? ToMicros(long minorUnits, string? currency) =>
        string.Equals(currency, "usd", StringComparison.OrdinalIgnoreCase) && minorUnits >= 0 && minorUnits <= long.MaxValue / MicrosPerCent
            ? minorUnits * MicrosPerCent
            : null;

    /// <summary>The amount in cents, or null when it is not a whole, non-negative number of cents.</summary>
    public static long? ToCents(long micros) => micros >= 0 && micros % MicrosPerCent == 0 ? micros / MicrosPerCent : null;
}
