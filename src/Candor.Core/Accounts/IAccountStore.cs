namespace Candor.Core.Accounts;

/// <summary>Accounts and their members. Implemented over SQLite (Candor.Storage) and later PostgreSQL.</summary>
internal interface IAccountStore
{
    /// <summary>Creates an account with a new <c>acct_…</c> id.</summary>
    Task<Account> CreateAccountAsync(string name, string group, CancellationToken cancellationToken);

    /// <summary>The account, or null when there is none with that id.</summary>
    Task<Account?> GetAccountAsync(string accountId, CancellationToken cancellationToken);

    /// <summary>Accounts, newest first.</summary>
    Task<Page<Account>> ListAccountsAsync(int limit, string? cursor, CancellationToken cancellationToken);

    /// <summary>Changes the given fields (null = keep). Changing the group or the disabled flag also marks the
    /// account's keys as changed, so key caches pick it up. Returns null when the account does not exist.</summary>
    Task<Account?> UpdateAccountAsync(string accountId, string? name, string? group, bool? disabled, CancellationToken cancellationToken);

    /// <summary>Adds a member, or changes the role of an existing one. Returns false when the account does not exist.</summary>
    Task<bool> SetMemberAsync(string accountId, string principal, AccountRole role, CancellationToken cancellationToken);

    /// <summary>Removes a member. Returns false when it was not a member.</summary>
    Task<bool> RemoveMemberAsync(string accountId, string principal, CancellationToken cancellationToken);

    /// <summary>The members of one account, ordered by principal.</summary>
    Task<IReadOnlyList<Member>> ListMembersAsync(string accountId, CancellationToken cancellationToken);

    /// <summary>The principal's role in the account, or null when it is not a member.</summary>
    Task<AccountRole?> GetRoleAsync(string accountId, string principal, CancellationToken cancellationToken);

    /// <summary>Every account the principal is a member of, with its role.</summary>
    Task<IReadOnlyList<Member>> ListMembershipsAsync(string principal, CancellationToken cancellationToken);
}
