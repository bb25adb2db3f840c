namespace Candor.Server.Admin;

/// <summary>A request the admin API refuses with 400 (408 for a body that stopped arriving): names the offending field so the caller can fix it.
/// Thrown by the input readers and turned into the JSON error by <see cref="AdminEndpoints"/>.</summary>
internal sealed class AdminInputException(string field, string message) : Exception(message)
{
    /// <summary>The request field (body property, query parameter or path segment) that is wrong.</summary>
    public string Field { get; } = field;

    /// <summary>The status the refusal is answered with: 400, or 408 for a body that did not arrive in time.</summary>
    public int StatusCode { get; init; } = StatusCodes.Status400BadRequest;
}
