using System.Globalization;
using System.Text;

namespace Candor.Core.Accounting;

/// <summary>A charge and how it came about: every line item, the exact subtotal, the multiplier and the
/// total rounded once (see <see cref="CostCalculator"/>).</summary>
internal sealed record ChargeBreakdown
{
    /// <summary>The line items with a non-zero quantity, in <see cref="ChargeKind"/> order.</summary>
    public required IReadOnlyList<ChargeLine> Lines { get; init; }

    /// <summary>The sum of the lines, exact, in millionths of a micro, before the multiplier.</summary>
    public required Int128 SubtotalMicroMicros { get; init; }

    /// <summary>The account group's multiplier.</summary>
    public required PriceMultiplier Multiplier { get; init; }

    /// <summary>The charge in micros: subtotal × multiplier, rounded half up once.</summary>
    public required long TotalMicros { get; init; }

    /// <summary>A one-line explanation for ledgers and support, e.g.
    /// "uncached_input 1000 @ 2.5/M + output 200 @ 10/M x 1x = 4500 micros". It contains figures only.</summary>
    public string Explain()
    {
        var sb = new StringBuilder();
        foreach (var line in Lines)
        {
            if (sb.Length > 0)
            {
                sb.Append(" + ");
            }

            string unit = line.Kind == ChargeKind.PerRequest ? "/request" : "/M";
            sb.Append(CultureInfo.InvariantCulture, $"{Name(line.Kind)} {line.Quantity} @ {Micros.Format(line.UnitPrice)}{unit}");
        }

        if (sb.Length == 0)
        {
            sb.Append("nothing");
        }

        sb.Append(CultureInfo.InvariantCulture, $" x {Multiplier} = {TotalMicros} micros");
        return sb.ToString();
    }

    private static string Name(ChargeKind kind) => kind switch
    {
        ChargeKind.UncachedInput => "uncached_input",
        ChargeKind.CachedInput => "cached_input",
        ChargeKind.CacheWrite => "cache_write",
        ChargeKind.Output => "output",
        ChargeKind.Reasoning => "reasoning",
        _ => "per_request",
    };
}
