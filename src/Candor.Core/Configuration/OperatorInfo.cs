namespace Candor.Core.Configuration;

/// <summary>The operator's stated identity (<c>operator:</c> in the configuration), published at
/// <c>GET /.well-known/candor</c>; its <see cref="Domain"/> names the receipt key.</summary>
internal sealed record OperatorInfo
{
    /// <summary>The operator's legal or trading name.</summary>
    public string? Name { get; init; }

    /// <summary>The operator's domain; the receipt key is named <c>DOMAIN/receipts</c> (<c>candor/receipts</c> without one).</summary>
    public string? Domain { get; init; }

    /// <summary>Where to reach the operator.</summary>
    public string? Contact { get; init; }

    /// <summary>The operator's web site.</summary>
    public string? Url { get; init; }

    /// <summary>Registrations and filings the operator holds (authority and number).</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Registrations { get; init; } = [];

    /// <summary>The signed-note key name of the receipt key.</summary>
    public string ReceiptKeyName => (string.IsNullOrWhiteSpace(Domain) ? "candor" : Domain) + "/receipts";
}
