using Candor.Core.Accounts;
using System.Data.Common;

namespace Candor.Storage.Sqlite;

/// <summary>Every statement on <c>account_members</c>, and its row mapping.</summary>
internal static class MembersSql
{
    public const string Upsert = """
        INSERT INTO account_members (account_id, principal, role, created_at) VALUES (@account_id, @principal, @role, @created_at)
        ON CONFLICT (account_id, principal) DO UPDATE SET role = excluded.role
        """;

    public const string Delete = "DELETE FROM account_members WHERE account_id = @account_id AND principal = @principal";

    public const string SelectByAccount = "SELECT account_id, principal, role FROM account_members WHERE account_id = @account_id ORDER BY principal";

    public const string SelectByPrincipal = "SELECT account_id, principal, role FROM account_members WHERE principal = @principal ORDER BY account_id";

    public const string SelectRole = "SELECT role FROM account_members WHERE account_id = @account_id AND principal = @principal";

    public static Member Read(DbDataReader r) => new(r.GetString(0), r.GetString(1), ParseRole(r.GetString(2)));

    public static string RoleName(AccountRole role) => role switch
    {
        AccountRole.Owner => "owner",
        AccountRole.Admin => "admin",
        AccountRole.Member => "member",
        AccountRole.Viewer => "viewer",
        _ => throw new ArgumentOutOfRangeException(nameof(role)),
    };

    public static AccountRole ParseRole(string name) => name switch
    {
        "owner" => AccountRole.Owner,
        "admin" => AccountRole.Admin,
        "member" => AccountRole.Member,
        "viewer" => AccountRole.Viewer,
        _ => throw new InvalidDataException($"Unknown role '{name}' in account_members."),
    };
}
