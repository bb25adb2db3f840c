using Microsoft.AspNetCore.Http.Metadata;

namespace Candor.Server.Admin;

/// <summary>One answer an admin route gives: the status, the record it holds (null for none) and what it means.</summary>
internal sealed record AdminResponse(int StatusCode, Type? Type, string Description, string ContentType = "application/json") : IProducesResponseTypeMetadata
{
    IEnumerable<string> IProducesResponseTypeMetadata.ContentTypes => Type is null ? [] : [ContentType];

    /// <summary>What an error status means on the admin API.</summary>
    public static string ErrorDescription(int status) => status switch
    {
        StatusCodes.Status400BadRequest => "The request is invalid; error.param names the field.",
        StatusCodes.Status401Unauthorized => "No key, or not a live key.",
        StatusCodes.Status403Forbidden => "A live key that is not an operator's.",
        StatusCodes.Status404NotFound => "No such resource.",
        StatusCodes.Status409Conflict => "The resource is defined in the configuration file (read-only through the API), or the id is taken.",
        StatusCodes.Status502BadGateway => "The provider refused or failed.",
        StatusCodes.Status503ServiceUnavailable => "The store or a provider is unavailable; retry later.",
        _ => "An error.",
    };
}
