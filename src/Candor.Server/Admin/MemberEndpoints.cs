using Candor.Core.Accounts;
using Candor.Core.WebConsole;
using Candor.Server.Admin.Contracts;

namespace Candor.Server.Admin;

/// <summary>Account members: list (paged, by principal), put (add or change role), delete. No CLI equivalent yet.</summary>
internal static class MemberEndpoints
{
    public static void MapMembers(this RouteGroupBuilder admin)
    {
        admin.MapGet("/accounts/{accountId}/members", AdminEndpoints.Guard(ListAsync))
            .Operation("listMembers", "List an account's members, ordered by principal.")
            .Query(AdminQueryParameter.Limit, AdminQueryParameter.Cursor)
            .Returns<AdminPage<MemberView>>(StatusCodes.Status200OK, "A page of members.")
            .Fails(StatusCodes.Status400BadRequest, StatusCodes.Status404NotFound);
        admin.MapPut("/accounts/{accountId}/members/{principal}", AdminEndpoints.Guard(PutAsync))
            .Operation("putMember", "Add a member or change its role.")
            .Takes<MemberPut>()
            .Returns<MemberView>(StatusCodes.Status200OK, "The member.")
            .Fails(StatusCodes.Status400BadRequest, StatusCodes.Status404NotFound);
        admin.MapDelete("/accounts/{accountId}/members/{principal}", AdminEndpoints.Guard(DeleteAsync))
            .Operation("deleteMember", "Remove a member.")
            .Returns(StatusCodes.Status204NoContent, "Removed.")
            .Fails(StatusCodes.Status404NotFound);
    }

    private static async Task ListAsync(HttpContext http)
    {
        string accountId = AdminHttp.Route(http, "accountId");
        var accounts = http.RequestServices.GetRequiredService<IAccountStore>();
        if (await accounts.GetAccountAsync(accountId, http.RequestAborted).ConfigureAwait(false) is null)
        {
            await AdminHttp.NotFoundAsync(http, "account").ConfigureAwait(false);
            return;
        }

        var (limit, cursor) = AdminHttp.Paging(http.Request);
        var page = await http.RequestServices.GetRequiredService<IConsoleLists>().ListMembersPageAsync(accountId, limit, cursor, http.RequestAborted).ConfigureAwait(false);
        await AdminHttp.WritePageAsync(http, page, AdminJson.Member).ConfigureAwait(false);
    }

    private static async Task PutAsync(HttpContext http)
    {
        string accountId = AdminHttp.Route(http, "accountId");
        string principal = ConsolePrincipal.Normalize(AdminHttp.Route(http, "principal"));
        if (principal.Length == 0)
        {
            throw new AdminInputException("principal", "principal must not be empty.");
        }

        AccountRole role;
        using (var body = await AdminHttp.ReadObjectAsync(http, AdminJsonContext.Default.MemberPut).ConfigureAwait(false))
        {
            role = AdminInput.RequiredString(body.RootElement, "role") switch
            {
                "owner" => AccountRole.Owner,
                "admin" => AccountRole.Admin,
                "member" => AccountRole.Member,
                "viewer" => AccountRole.Viewer,
                _ => throw new AdminInputException("role", "role must be one of owner, admin, member, viewer."),
            };
        }

        if (!await http.RequestServices.GetRequiredService<IAccountStore>().SetMemberAsync(accountId, principal, role, http.RequestAborted).ConfigureAwait(false))
        {
            await AdminHttp.NotFoundAsync(http, "account").ConfigureAwait(false);
            return;
        }

        await AdminHttp.WriteAsync(http, StatusCodes.Status200OK, MemberView.From(new Member(accountId, principal, role)), AdminJsonContext.Default.MemberView).ConfigureAwait(false);
    }

    private static async Task DeleteAsync(HttpContext http)
    {
        string accountId = AdminHttp.Route(http, "accountId");
        string principal = AdminHttp.Route(http, "principal");
        if (!await http.RequestServices.GetRequiredService<IAccountStore>().RemoveMemberAsync(accountId, principal, http.RequestAborted).ConfigureAwait(false))
        {
            await AdminHttp.NotFoundAsync(http, "member").ConfigureAwait(false);
            return;
        }

        http.Response.StatusCode = StatusCodes.Status204NoContent;
    }
}
