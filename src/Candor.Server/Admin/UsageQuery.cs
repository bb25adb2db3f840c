using System.Globalization;
using Candor.Core.Accounts;

namespace Candor.Server.Admin;

/// <summary>Reads the usage filters of a query string — <c>from</c> and <c>to</c> (ISO-8601; <c>to</c> exclusive),
/// <c>model</c>, <c>outcome</c>, <c>key_id</c> — into a <see cref="UsageFilter"/>, refusing a bad value with its
/// parameter named.</summary>
internal static class UsageQuery
{
    /// <summary>The filters as the OpenAPI document declares them.</summary>
    public static readonly AdminQueryParameter[] Parameters =
    [
        new("key_id", "Only this key's records."),
        new("from", "Only records created at or after this ISO-8601 time.", Format: "date-time"),
        new("to", "Only records created before this ISO-8601 time.", Format: "date-time"),
        new("model", "Only this requested model."),
        new("outcome", "Only this outcome.", Values: ["complete", "partial", "failed", "cancelled", "interrupted"]),
    ];

    /// <summary>The filter the query asks for.</summary>
    public static UsageFilter Read(HttpRequest request) => new()
    {
        From = Time(request, "from"),
        To = Time(request, "to"),
        Model = Text(request, "model"),
        Outcome = Text(request, "outcome") is { } outcome ? Outcome(outcome) : null,
        KeyId = Text(request, "key_id"),
    };

    /// <summary>An optional ISO-8601 timestamp parameter (UTC when it has no offset).</summary>
    public static DateTimeOffset? Time(HttpRequest request, string name) =>
        Text(request, name) is not { } text ? null
        : DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var t) ? t
        : throw new AdminInputException(name, $"{name} must be an ISO-8601 timestamp.");

    private static string? Text(HttpRequest request, string name) =>
        request.Query[name].ToString() is { Length: > 0 } text ? text : null;

    private static UsageOutcome Outcome(string name) => name switch
    {
        "complete" => UsageOutcome.Complete,
        "partial" => UsageOutcome.Partial,
        "failed" => UsageOutcome.Failed,
        "cancelled" => UsageOutcome.Cancelled,
        "interrupted" => UsageOutcome.Interrupted,
        _ => throw new AdminInputException("outcome", "outcome must be one of complete, partial, failed, cancelled, interrupted."),
    };
}
