using System.Globalization;
using System.Text.Json;
using Candor.Core.Accounts;
using Candor.Core.Receipts;
using Candor.Core.WebConsole;
using Candor.Server.Admin;
using Candor.Server.Admin.Contracts;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Candor.Server.WebConsole;

/// <summary>The web console: its files under <c>/console</c>, the session API under <c>/console/api</c> (sign in,
/// who am I, sign out, accept an invitation), and the two admin API routes it added — invitations and an account's
/// receipt — which the CLI and any other client use too. Everything else the console shows comes from the admin API
/// itself, authorized by the session cookie (<see cref="ConsoleGate"/>). See docs/console.md.</summary>
internal static class ConsoleEndpoints
{
    /// <summary>How long an invitation stays valid.</summary>
    public static readonly TimeSpan InvitationLifetime = TimeSpan.FromDays(7);

    /// <summary>Registers the console's services. Requires a store implementing <see cref="IConsoleStore"/> in DI.</summary>
    public static void AddConsole(IServiceCollection services)
    {
        services.TryAddSingleton<IConsoleStore>(sp => sp.GetRequiredService<Candor.Storage.RelationalStore>());
        services.AddSingleton(sp => new ConsoleSessions(sp.GetRequiredService<IConsoleStore>(), sp.GetRequiredService<TimeProvider>()));
        services.TryAddSingleton<IAttemptCounters>(sp => sp.GetRequiredService<Candor.Storage.RelationalStore>());
        services.AddSingleton(sp => new SignInThrottle(sp.GetRequiredService<IAttemptCounters>(), sp.GetRequiredService<TimeProvider>()));
    }

    /// <summary>Maps the console's files, its session API and its admin routes.</summary>
    public static IEndpointRouteBuilder MapConsole(this IEndpointRouteBuilder app)
    {
        app.MapGet("/console", ConsoleAssets.ServeAsync);
        app.MapGet("/console/{**file}", ConsoleAssets.ServeAsync);
        app.MapGet("/console/api/session", Api(GetSessionAsync));
        app.MapPost("/console/api/session", Api(SignInAsync));
        app.MapDelete("/console/api/session", Api(SignOutAsync));
        app.MapPost("/console/api/invitations/accept", Api(AcceptInvitationAsync));

        var admin = app.MapGroup(AdminEndpoints.Prefix);
        admin.MapPost("/console/invitations", AdminEndpoints.Guard(InviteAsync))
            .Operation("createConsoleInvitation", "A single-use invitation (7 days) with which the principal sets a web-console password; "
                + "operator makes it a platform operator; account_id (with role, member by default) makes accepting it join that account "
                + "(docs/console.md). The token is shown once.")
            .Takes<InvitationCreate>()
            .Returns<InvitationView>(StatusCodes.Status201Created, "The invitation.")
            .Fails(StatusCodes.Status400BadRequest, StatusCodes.Status404NotFound);
        admin.MapGet("/accounts/{accountId}/receipts/{receiptId}", AdminEndpoints.Guard(GetReceiptAsync))
            .Operation("getReceipt", "The signed receipt of one of the account's requests, byte for byte as stored (docs/receipts.md); "
                + "another account's receipt is a 404.")
            .Returns<SignedReceiptView>(StatusCodes.Status200OK, "The signed receipt.")
            .Fails(StatusCodes.Status404NotFound);
        admin.MapConsoleMoney();
        app.MapSignUp();
        app.MapTotp();
        return app;
    }

    /// <summary>Wraps a session-API handler: security headers, no caching, refused input as 400.</summary>
    internal static RequestDelegate Api(Func<HttpContext, Task> handler) => async http =>
    {
        ConsoleHeaders.NoStore(http);
        try
        {
            await handler(http).ConfigureAwait(false);
        }
        catch (AdminInputException e) when (!http.Response.HasStarted)
        {
            await AdminHttp.WriteErrorAsync(http, e.StatusCode, "invalid_request_error", e.Message, e.Field).ConfigureAwait(false);
        }
    };

    private static async Task GetSessionAsync(HttpContext http)
    {
        var caller = await http.RequestServices.GetRequiredService<ConsoleSessions>().ResolveAsync(http).ConfigureAwait(false);
        if (caller is null)
        {
            await AdminHttp.WriteErrorAsync(http, StatusCodes.Status401Unauthorized, "authentication_error", "Not signed in.").ConfigureAwait(false);
            return;
        }

        await WriteSessionAsync(http, caller).ConfigureAwait(false);
    }

    private static async Task SignInAsync(HttpContext http)
    {
        // A sign-in form posted from another site would sign the victim into the attacker's login (login CSRF).
        if (ConsoleSessions.OriginProblem(http) is { } origin)
        {
            http.RequestServices.GetRequiredService<ILogger<ConsoleSessions>>().CsrfRefused(ConsoleGate.Address(http), origin);
            await AdminHttp.WriteErrorAsync(http, StatusCodes.Status403Forbidden, "csrf_error", $"Refused: {origin}.").ConfigureAwait(false);
            return;
        }

        string principal;
        string password;
        using (var body = await AdminHttp.ReadObjectAsync(http, "principal", "password").ConfigureAwait(false))
        {
            principal = ConsolePrincipal.Normalize(AdminInput.RequiredString(body.RootElement, "principal"));
            password = AdminInput.RequiredString(body.RootElement, "password");
        }

        var logger = http.RequestServices.GetRequiredService<ILogger<ConsoleSessions>>();
        var throttle = http.RequestServices.GetRequiredService<SignInThrottle>();
        string address = ConsoleGate.Address(http);
        var attempt = await throttle.BeginAsync(principal, address, http.RequestAborted).ConfigureAwait(false);
        await using var counted = attempt.ConfigureAwait(false);
        if (attempt.RetryAfter is { } wait)
        {
            logger.SignInThrottled(address);
            http.Response.Headers.RetryAfter = ((long)Math.Ceiling(wait.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
            await AdminHttp.WriteErrorAsync(http, StatusCodes.Status429TooManyRequests, "rate_limit_error",
                "Too many failed sign-ins; try again later.").ConfigureAwait(false);
            return;
        }

        var sessions = http.RequestServices.GetRequiredService<ConsoleSessions>();
        ConsoleLogin? login = null;
        if (password.Length <= ConsolePasswords.MaxLength)
        {
            // One normal form for every principal (sign-up stores it so); a login stored with capitals before that
            // rule still answers to its exact spelling.
            foreach (string candidate in ConsolePrincipal.Candidates(principal))
            {
                if ((login = await sessions.Store.GetLoginAsync(candidate, http.RequestAborted).ConfigureAwait(false)) is not null)
                {
                    break;
                }
            }
        }

        if (!ConsolePasswords.Verify(login, password.Length <= ConsolePasswords.MaxLength ? password : ""))
        {
            SignInThrottle.Failed(attempt);
            logger.SignInRefused(address);
            await AdminHttp.WriteErrorAsync(http, StatusCodes.Status401Unauthorized, "authentication_error",
                "Wrong principal or password.").ConfigureAwait(false);
            return;
        }

        if (await TotpEndpoints.AskSecondFactorAsync(http, login!, address).ConfigureAwait(false))
        {
            return; // the pair's earlier failures stay until the second factor is proved
        }

        await SignInThrottle.SucceededAsync(attempt, principal, address, http.RequestAborted).ConfigureAwait(false);
        await sessions.Store.DeleteExpiredAsync(http.RequestServices.GetRequiredService<TimeProvider>().GetUtcNow(), http.RequestAborted).ConfigureAwait(false);
        string token = await sessions.StartAsync(http, login!.Principal).ConfigureAwait(false);
        logger.SignedIn(login.IsOperator, address);
        await WriteSessionAsync(http, new ConsoleCaller(login.Principal, login.IsOperator, token)).ConfigureAwait(false);
    }

    private static async Task SignOutAsync(HttpContext http)
    {
        var sessions = http.RequestServices.GetRequiredService<ConsoleSessions>();
        var caller = await sessions.ResolveAsync(http).ConfigureAwait(false);
        if (caller is null)
        {
            http.Response.StatusCode = StatusCodes.Status204NoContent;
            return;
        }

        if (ConsoleSessions.CsrfProblem(http, caller) is { } problem)
        {
            await AdminHttp.WriteErrorAsync(http, StatusCodes.Status403Forbidden, "csrf_error", $"Refused: {problem}.").ConfigureAwait(false);
            return;
        }

        await sessions.EndAsync(http, caller).ConfigureAwait(false);
        http.Response.StatusCode = StatusCodes.Status204NoContent;
    }

    private static async Task AcceptInvitationAsync(HttpContext http)
    {
        if (await SignUpEndpoints.ReadTokenAndNewPasswordAsync(http).ConfigureAwait(false) is not { } input)
        {
            return;
        }

        var (token, password) = input;

        var sessions = http.RequestServices.GetRequiredService<ConsoleSessions>();
        var now = http.RequestServices.GetRequiredService<TimeProvider>().GetUtcNow();
        var invitation = token.Length <= 128
            ? await sessions.Store.TakeInvitationAsync(ConsoleSessions.HashToken(token), now, http.RequestAborted).ConfigureAwait(false)
            : null;
        if (invitation is null)
        {
            await AdminHttp.WriteErrorAsync(http, StatusCodes.Status404NotFound, "not_found_error",
                "The invitation is unknown, used or expired.").ConfigureAwait(false);
            return;
        }

        await sessions.Store.SetLoginAsync(new ConsoleLogin(invitation.Principal, ConsolePasswords.Hash(password), invitation.IsOperator, now), http.RequestAborted).ConfigureAwait(false);
        await SignUpEndpoints.BindInvitationAsync(http, invitation).ConfigureAwait(false);
        http.RequestServices.GetRequiredService<ILogger<ConsoleSessions>>().InvitationAccepted(invitation.IsOperator);
        await AdminHttp.WriteJsonAsync(http, StatusCodes.Status200OK, w =>
        {
            w.WriteStartObject();
            w.WriteString("principal", invitation.Principal);
            w.WriteBoolean("operator", invitation.IsOperator);
            w.WriteEndObject();
        }).ConfigureAwait(false);
    }

    private static async Task InviteAsync(HttpContext http)
    {
        string principal;
        bool isOperator;
        string? accountId;
        string? role;
        using (var body = await AdminHttp.ReadObjectAsync(http, AdminJsonContext.Default.InvitationCreate).ConfigureAwait(false))
        {
            accountId = AdminInput.OptionalString(body.RootElement, "account_id");
            role = AdminInput.OptionalString(body.RootElement, "role");
            principal = ConsolePrincipal.Normalize(AdminInput.RequiredString(body.RootElement, "principal"));
            isOperator = body.RootElement.TryGetProperty("operator", out var flag) && flag.ValueKind switch
            {
                JsonValueKind.True => true,
                JsonValueKind.False => false,
                _ => throw new AdminInputException("operator", "operator must be true or false."),
            };
        }

        if (accountId is not null && await http.RequestServices.GetRequiredService<IAccountStore>().GetAccountAsync(accountId, http.RequestAborted).ConfigureAwait(false) is null)
        {
            await AdminHttp.NotFoundAsync(http, "account").ConfigureAwait(false);
            return;
        }

        var invitation = await CreateInvitationAsync(http.RequestServices.GetRequiredService<IConsoleStore>(),
            http.RequestServices.GetRequiredService<TimeProvider>(), principal, isOperator, accountId, role, http.RequestAborted).ConfigureAwait(false);
        http.RequestServices.GetRequiredService<ILogger<ConsoleSessions>>().InvitationCreated(isOperator, invitation.ExpiresAt);
        var created = new InvitationView(principal, isOperator, accountId, accountId is null ? null : role ?? "member", invitation.Token,
            InvitationPath(invitation.Token), invitation.ExpiresAt, "The token is shown once; it is stored only as a hash and works once.");
        await AdminHttp.WriteAsync(http, StatusCodes.Status201Created, created, AdminJsonContext.Default.InvitationView).ConfigureAwait(false);
    }

    /// <summary>Creates an invitation and returns its token (shown once) and expiry. Shared by the admin API and the CLI.</summary>
    public static Task<(string Token, DateTimeOffset ExpiresAt)> CreateInvitationAsync(IConsoleStore store, TimeProvider time, string principal, bool isOperator, CancellationToken cancellationToken) =>
        CreateInvitationAsync(store, time, principal, isOperator, null, null, cancellationToken);

    /// <summary>Creates an invitation that, when accepted, also makes the principal a member of
    /// <paramref name="accountId"/> with <paramref name="role"/> (member when null).</summary>
    public static async Task<(string Token, DateTimeOffset ExpiresAt)> CreateInvitationAsync(IConsoleStore store, TimeProvider time, string principal, bool isOperator,
        string? accountId, string? role, CancellationToken cancellationToken)
    {
        if (role is not null && (accountId is null || SignUpEndpoints.ParseRole(role) is null))
        {
            throw new AdminInputException("role", "role needs account_id and must be owner, admin, member or viewer.");
        }

        principal = ConsolePrincipal.Normalize(principal);
        if (principal.Length is 0 or > 256)
        {
            throw new AdminInputException("principal", "principal must have 1 to 256 characters.");
        }

        string token = ConsoleSessions.NewToken();
        var now = time.GetUtcNow();
        var expires = now + InvitationLifetime;
        await store.CreateInvitationAsync(new ConsoleInvitation(ConsoleSessions.HashToken(token), principal, isOperator, now, expires,
            accountId, accountId is null ? null : role ?? "member"), cancellationToken).ConfigureAwait(false);
        return (token, expires);
    }

    /// <summary>The console path that accepts an invitation; the token is in the fragment, which browsers never send.</summary>
    public static string InvitationPath(string token) => "/console/#invite=" + token;

    private static async Task GetReceiptAsync(HttpContext http)
    {
        string accountId = AdminHttp.Route(http, "accountId");
        string receiptId = AdminHttp.Route(http, "receiptId");
        var receipts = http.RequestServices.GetService<ReceiptService>();
        var receipt = receipts is not null && receiptId.StartsWith("rcpt_", StringComparison.Ordinal) && receiptId.Length <= 64
            ? await receipts.Store.GetAsync(receiptId, http.RequestAborted).ConfigureAwait(false)
            : null;
        if (receipt is null || !string.Equals(receipt.AccountId, accountId, StringComparison.Ordinal)
            || (http.Features.Get<ConsoleKeyScope>() is { } scope && !await OwnsReceiptAsync(http, scope, receipt).ConfigureAwait(false)))
        {
            // Another account's receipt, or for a plain member another login's, is indistinguishable from a missing one.
            await AdminHttp.NotFoundAsync(http, "receipt").ConfigureAwait(false);
            return;
        }

        http.Response.ContentType = "application/json";
        if (receipt.LeafIndex is { } index)
        {
            http.Response.Headers[Surfaces.ReceiptEndpoints.LeafIndexHeader] = index.ToString(CultureInfo.InvariantCulture);
        }

        await http.Response.BodyWriter.WriteAsync(receipt.Body, http.RequestAborted).ConfigureAwait(false);
    }

    /// <summary>True when the receipt was made with a key the plain member owns (<see cref="IKeyOwners"/>).</summary>
    private static async Task<bool> OwnsReceiptAsync(HttpContext http, ConsoleKeyScope scope, StoredReceipt receipt) =>
        receipt.OwnerId.StartsWith(KeyOwnerPrefix, StringComparison.Ordinal)
        && await http.RequestServices.GetRequiredService<IKeyOwners>()
            .GetKeyOwnerAsync(receipt.AccountId!, receipt.OwnerId[KeyOwnerPrefix.Length..], http.RequestAborted).ConfigureAwait(false) == scope.Principal;

    private const string KeyOwnerPrefix = "key:";

    private static string RoleName(AccountRole role) => role switch
    {
        AccountRole.Owner => "owner",
        AccountRole.Admin => "admin",
        AccountRole.Member => "member",
        _ => "viewer",
    };

    internal static async Task WriteSessionAsync(HttpContext http, ConsoleCaller caller)
    {
        IReadOnlyList<Member> memberships = caller.IsOperator
            ? []
            : await http.RequestServices.GetRequiredService<IAccountStore>().ListMembershipsAsync(caller.Principal, http.RequestAborted).ConfigureAwait(false);
        var names = new List<string?>(memberships.Count);
        foreach (var m in memberships)
        {
            names.Add((await http.RequestServices.GetRequiredService<IAccountStore>().GetAccountAsync(m.AccountId, http.RequestAborted).ConfigureAwait(false))?.Name);
        }

        await AdminHttp.WriteJsonAsync(http, StatusCodes.Status200OK, w =>
        {
            w.WriteStartObject();
            w.WriteString("principal", caller.Principal);
            w.WriteBoolean("operator", caller.IsOperator);
            w.WriteBoolean("payments", http.RequestServices.GetService<Payments.PaymentProviders>() is not null);
            w.WriteString("csrf_token", ConsoleSessions.CsrfToken(caller.SessionToken));
            w.WriteStartArray("accounts");
            for (int i = 0; i < memberships.Count; i++)
            {
                w.WriteStartObject();
                w.WriteString("id", memberships[i].AccountId);
                w.WriteString("name", names[i]);
                w.WriteString("role", RoleName(memberships[i].Role));
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteEndObject();
        }).ConfigureAwait(false);
    }
}
