using Candor.Core.Accounts;

namespace Candor.Core.WebConsole;

/// <summary>The account lists the console pages through on the server (issue 15: no page loads a whole table): members
/// in principal order and keys newest first, each one page of at most <c>limit</c> rows with the cursor of the next.</summary>
internal interface IConsoleLists
{
    /// <summary>One page of the account's members, ordered by principal; <paramref name="cursor"/> is the
    /// <see cref="Page{T}.NextCursor"/> of the page before (null for the first).</summary>
    Task<Page<Member>> ListMembersPageAsync(string accountId, int limit, string? cursor, CancellationToken cancellationToken);

    /// <summary>One page of the account's keys (revoked ones included), newest first; with <paramref name="owner"/>
    /// only the keys that console principal owns (<see cref="IKeyOwners"/>).</summary>
    Task<Page<ApiKeyRecord>> ListKeysPageAsync(string accountId, string? owner, int limit, string? cursor, CancellationToken cancellationToken);
}
