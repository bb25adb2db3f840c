using Candor.Server.Admin.Contracts;
using Microsoft.AspNetCore.Http.Metadata;

namespace Candor.Server.Admin;

/// <summary>What an admin route declares for its OpenAPI operation (<see cref="AdminOpenApi"/>): its operation id and
/// summary (<see cref="RoutingEndpointConventionBuilderExtensions.WithName{TBuilder}"/>,
/// <see cref="OpenApiRouteHandlerBuilderExtensions.WithSummary{TBuilder}"/>), the record its body holds, the records
/// it answers with per status, its error statuses (in the <see cref="AdminError"/> envelope) and its query parameters.
/// The answers use ASP.NET Core's own metadata type (<see cref="IProducesResponseTypeMetadata"/>), so another generator
/// reads them too; the body is <see cref="AdminRequestBody"/>, which routing does not act on.</summary>
internal static class AdminRouteMetadata
{
    /// <summary>The operation id and one-line summary.</summary>
    public static TBuilder Operation<TBuilder>(this TBuilder builder, string operationId, string summary)
        where TBuilder : IEndpointConventionBuilder =>
        builder.WithName(operationId).WithSummary(summary);

    /// <summary>The request body: a JSON object with the properties of <typeparamref name="T"/> and no others.</summary>
    public static IEndpointConventionBuilder Takes<T>(this IEndpointConventionBuilder builder, bool optional = false) =>
        builder.WithMetadata(new AdminRequestBody(typeof(T), optional));

    /// <summary>An answer with <paramref name="status"/> holding <typeparamref name="T"/> as JSON.</summary>
    public static IEndpointConventionBuilder Returns<T>(this IEndpointConventionBuilder builder, int status, string description) =>
        builder.WithMetadata(new AdminResponse(status, typeof(T), description));

    /// <summary>An answer with <paramref name="status"/> and no body, or with a body of another content type.</summary>
    public static TBuilder Returns<TBuilder>(this TBuilder builder, int status, string description, string? contentType = null)
        where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new AdminResponse(status, contentType is null ? null : typeof(string), description, contentType ?? "application/json"));

    /// <summary>Error answers beyond the 401, 403 and 503 (a failing store) every admin route can give, in the admin error envelope.</summary>
    public static TBuilder Fails<TBuilder>(this TBuilder builder, params int[] statuses)
        where TBuilder : IEndpointConventionBuilder
    {
        foreach (int status in statuses)
        {
            builder.WithMetadata(new AdminResponse(status, typeof(AdminError), AdminResponse.ErrorDescription(status)));
        }

        return builder;
    }

    /// <summary>Query parameters the route reads.</summary>
    public static TBuilder Query<TBuilder>(this TBuilder builder, params AdminQueryParameter[] parameters)
        where TBuilder : IEndpointConventionBuilder
    {
        foreach (var parameter in parameters)
        {
            builder.WithMetadata(parameter);
        }

        return builder;
    }
}
