namespace Candor.Server.Admin.Contracts;

/// <summary>A list kept in memory (prices, channels, deployments): the whole list as <c>{"data":[…]}</c>, or with
/// <c>limit</c> or <c>cursor</c> in the query one page ordered by key, with <c>has_more</c> and <c>next_cursor</c>.</summary>
internal sealed record AdminSlice<T>(IReadOnlyList<T> Data, bool? HasMore = null, string? NextCursor = null);
