namespace Candor.Server.Admin;

/// <summary>The JSON body an admin route reads (<see cref="AdminRouteMetadata.Takes{T}"/>), for the OpenAPI document only.
/// Deliberately not ASP.NET Core's <c>IAcceptsMetadata</c>: routing matches that against the request's Content-Type and
/// answers a mismatch with a bare 415 before the handler runs, where the admin reader answers every bad body itself, in
/// the admin error envelope (FuzzTests, surface "admin").</summary>
internal sealed record AdminRequestBody(Type RequestType, bool IsOptional);
