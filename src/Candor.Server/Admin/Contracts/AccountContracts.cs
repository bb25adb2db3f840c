using Candor.Core.Accounts;

namespace Candor.Server.Admin.Contracts;

/// <summary>An account with its balance in micro-USD.</summary>
internal sealed record AccountView
{
    public required string Id { get; init; }

    public required string Name { get; init; }

    public required string Group { get; init; }

    public required bool Disabled { get; init; }

    public required long BalanceMicros { get; init; }

    public required DateTime CreatedAt { get; init; }

    public static AccountView From(Account a, long balanceMicros) => new()
    {
        Id = a.Id, Name = a.Name, Group = a.Group, Disabled = a.Disabled, BalanceMicros = balanceMicros, CreatedAt = a.CreatedAt.UtcDateTime,
    };
}

/// <summary>The body of <c>POST /accounts</c>.</summary>
internal sealed record AccountCreate(string Name, string? Group = null);

/// <summary>The body of <c>PATCH /accounts/{accountId}</c>: absent fields are kept.</summary>
internal sealed record AccountUpdate(string? Name = null, string? Group = null, bool? Disabled = null);

/// <summary>An account member and its role (<c>owner</c>, <c>admin</c>, <c>member</c>, <c>viewer</c>).</summary>
internal sealed record MemberView(string Account, string Principal, string Role)
{
    public static MemberView From(Member m) => new(m.AccountId, m.Principal, AdminJson.RoleName(m.Role));
}

/// <summary>The body of <c>PUT /accounts/{accountId}/members/{principal}</c>.</summary>
internal sealed record MemberPut(string Role);
