namespace Candor.Core.Accounts;

/// <summary>One page of a newest-first listing. Pass <see cref="NextCursor"/> back to read the next page;
/// it is null on the last page. Cursors are opaque strings.</summary>
internal sealed record Page<T>(IReadOnlyList<T> Items, string? NextCursor);
