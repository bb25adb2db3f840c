namespace Candor.Server.Admin.Contracts;

/// <summary>A whole list: <c>{"data":[…]}</c>.</summary>
internal sealed record AdminList<T>(IReadOnlyList<T> Data);
