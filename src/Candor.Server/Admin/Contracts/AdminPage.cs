namespace Candor.Server.Admin.Contracts;

/// <summary>A page of a stored list: <c>{"data":[…],"has_more":bool[,"next_cursor"]}</c>; <c>next_cursor</c> is
/// present exactly when <c>has_more</c> is true and is passed back as the <c>cursor</c> query parameter.</summary>
internal sealed record AdminPage<T>
{
    public required IReadOnlyList<T> Data { get; init; }

    public required bool HasMore { get; init; }

    public string? NextCursor { get; init; }

    /// <summary>The page of <paramref name="items"/> with the store's next cursor.</summary>
    public static AdminPage<T> Of(IReadOnlyList<T> items, string? nextCursor) =>
        new() { Data = items, HasMore = nextCursor is not null, NextCursor = nextCursor };
}
