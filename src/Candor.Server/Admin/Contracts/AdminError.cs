namespace Candor.Server.Admin.Contracts;

/// <summary>The admin error envelope: <c>{"error":{"type","message"[,"param"]}}</c>.</summary>
internal sealed record AdminError(AdminErrorDetail Error);

/// <summary>The error itself: a machine type (<c>invalid_request_error</c>, <c>not_found_error</c>,
/// <c>authentication_error</c>, …), a human message and, for refused input, the field.</summary>
internal sealed record AdminErrorDetail(string Type, string Message, string? Param = null);
