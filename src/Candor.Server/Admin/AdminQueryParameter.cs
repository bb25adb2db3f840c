namespace Candor.Server.Admin;

/// <summary>A query parameter an admin route reads, as its OpenAPI document declares it.</summary>
/// <param name="Name">The parameter's name.</param>
/// <param name="Description">What it does.</param>
/// <param name="Type">Its JSON type: <c>string</c>, <c>integer</c> or <c>boolean</c>.</param>
/// <param name="Format">A format such as <c>date-time</c>, or null.</param>
/// <param name="Values">The values it admits, or null for any.</param>
internal sealed record AdminQueryParameter(string Name, string Description, string Type = "string", string? Format = null, IReadOnlyList<string>? Values = null)
{
    /// <summary>The page size.</summary>
    public static readonly AdminQueryParameter Limit = new("limit", "Page size, 1 to 100 (default 50).", "integer");

    /// <summary>Where the page starts.</summary>
    public static readonly AdminQueryParameter Cursor = new("cursor", "The next_cursor of the previous page.");
}
