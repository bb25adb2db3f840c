using Candor.Core.Accounts;
using Candor.Core.WebConsole;
using Candor.Server.Admin;

namespace Candor.Server.WebConsole;

/// <summary>Self-registration on the console (docs/console.md, "Registration"; docs/business.md): the sign-up form's
/// route, which records a pending sign-up within the per-address and per-domain limits and queues the verification
/// mail; the verification route, which consumes the mailed token once and opens the login and its account with the
/// initial grant; an invitation's preview; and what accepting an invitation adds (joining the account it names, or
/// opening one outside closed mode). The same answer is given for a known and an unknown address.</summary>
internal static class SignUpEndpoints
{
    /// <summary>What the sign-up route answers, whatever became of the address.</summary>
    public const string PendingMessage =
        "If this address can be used, a message with a link to finish signing up is on its way to it. The link works once.";

    /// <summary>Registers sign-up's and the second factor's services: the settings, the stores and, when an SMTP server
    /// is configured, the mailer.</summary>
    public static void AddSignUp(IServiceCollection services, RegistrationSettings settings, Func<string, string?> environment)
    {
        services.AddSingleton(settings);
        services.AddSingleton<ISignUpStore>(sp => sp.GetRequiredService<Candor.Storage.RelationalStore>());
        services.AddSingleton<ITotpStore>(sp => sp.GetRequiredService<Candor.Storage.RelationalStore>());
        if (settings.Smtp is { } smtp)
        {
            services.AddSingleton(sp => new ConsoleMailer(smtp, environment, sp.GetRequiredService<ILogger<ConsoleMailer>>()));
            services.AddHostedService(sp => sp.GetRequiredService<ConsoleMailer>());
        }
    }

    /// <summary>Maps the registration routes under <c>/console/api</c>.</summary>
    public static IEndpointRouteBuilder MapSignUp(this IEndpointRouteBuilder app)
    {
        app.MapGet("/console/api/registration", ConsoleEndpoints.Api(GetModeAsync));
        app.MapPost("/console/api/signup", ConsoleEndpoints.Api(SignUpAsync));
        app.MapPost("/console/api/signup/verify", ConsoleEndpoints.Api(VerifyAsync));
        app.MapPost("/console/api/invitations/peek", ConsoleEndpoints.Api(PeekInvitationAsync));
        return app;
    }

    private static RegistrationSettings Settings(HttpContext http) =>
        http.RequestServices.GetService<RegistrationSettings>() ?? RegistrationSettings.Closed;

    private static string ModeName(RegistrationMode mode) => mode switch
    {
        RegistrationMode.Open => "open",
        RegistrationMode.Invitation => "invitation",
        _ => "closed",
    };

    private static Task GetModeAsync(HttpContext http) =>
        AdminHttp.WriteJsonAsync(http, StatusCodes.Status200OK, w =>
        {
            w.WriteStartObject();
            w.WriteString("mode", ModeName(Settings(http).Mode));
            w.WriteEndObject();
        });

    /// <summary>Reads a link's token and the new password it sets (checked against the password rules) from a request
    /// of this server's own origin; null, with 403 written, from another (a form posted from another site).</summary>
    internal static async Task<(string Token, string Password)?> ReadTokenAndNewPasswordAsync(HttpContext http)
    {
        if (await OriginRefusedAsync(http).ConfigureAwait(false))
        {
            return null;
        }

        string token;
        string password;
        using (var body = await AdminHttp.ReadObjectAsync(http, "token", "password").ConfigureAwait(false))
        {
            token = AdminInput.RequiredString(body.RootElement, "token");
            password = AdminInput.RequiredString(body.RootElement, "password");
        }

        return ConsolePasswords.Problem(password) is { } problem ? throw new AdminInputException("password", problem) : (token, password);
    }

    /// <summary>Writes 403 when the request's Origin is not this server's (a form posted from another site).</summary>
    internal static async Task<bool> OriginRefusedAsync(HttpContext http)
    {
        if (ConsoleSessions.OriginProblem(http) is not { } origin)
        {
            return false;
        }

        http.RequestServices.GetRequiredService<ILogger<ConsoleSessions>>().CsrfRefused(ConsoleGate.Address(http), origin);
        await AdminHttp.WriteErrorAsync(http, StatusCodes.Status403Forbidden, "csrf_error", $"Refused: {origin}.").ConfigureAwait(false);
        return true;
    }

    private static async Task SignUpAsync(HttpContext http)
    {
        if (await OriginRefusedAsync(http).ConfigureAwait(false))
        {
            return;
        }

        var settings = Settings(http);
        var mailer = http.RequestServices.GetService<ConsoleMailer>();
        if (settings.Mode != RegistrationMode.Open || mailer is null || settings.PublicUrl is null)
        {
            await AdminHttp.WriteErrorAsync(http, StatusCodes.Status403Forbidden, "permission_error",
                "Sign-up is closed on this server: ask its operator for an invitation.").ConfigureAwait(false);
            return;
        }

        string text;
        using (var body = await AdminHttp.ReadObjectAsync(http, "email").ConfigureAwait(false))
        {
            text = AdminInput.RequiredString(body.RootElement, "email");
        }

        var (email, domain) = SignUpEmail.Parse(text) ?? throw new AdminInputException("email", "email must be an address such as name@example.com.");
        var logger = http.RequestServices.GetRequiredService<ILogger<ConsoleSessions>>();
        var store = http.RequestServices.GetRequiredService<ISignUpStore>();
        var now = http.RequestServices.GetRequiredService<TimeProvider>().GetUtcNow();
        string address = LimitAddress(http.Connection.RemoteIpAddress);

        // Both branches below do the same work (one lookup, one recorded row, one queued mail), so neither the answer
        // nor its timing tells whether the address has a login.
        bool known = await http.RequestServices.GetRequiredService<IConsoleStore>().GetLoginAsync(email, http.RequestAborted).ConfigureAwait(false) is not null;
        string token = ConsoleSessions.NewToken();
        var pending = new PendingSignUp(ConsoleSessions.HashToken(token), email, domain, address, now, now + settings.LinkLifetime);
        var admission = await store.AddSignUpAsync(pending, settings.PerAddress, settings.PerDomain, now - settings.LimitWindow, http.RequestAborted).ConfigureAwait(false);
        if (admission != SignUpAdmission.Accepted)
        {
            bool byAddress = admission == SignUpAdmission.AddressLimited;
            logger.SignUpLimited(address, byAddress ? "per-address" : "per-domain");
            await AdminHttp.WriteErrorAsync(http, StatusCodes.Status429TooManyRequests, "rate_limit_error", byAddress
                ? $"Too many sign-ups from your network address (at most {settings.PerAddress} in {Describe(settings.LimitWindow)}); try again later."
                : $"Too many sign-ups for addresses at {domain} (at most {settings.PerDomain} in {Describe(settings.LimitWindow)}); try again later.",
                "email").ConfigureAwait(false);
            return;
        }

        mailer.Enqueue(known ? KnownAddressMail(email, settings) : VerificationMail(email, token, settings));
        logger.SignUpRecorded(address);
        await AdminHttp.WriteJsonAsync(http, StatusCodes.Status202Accepted, w =>
        {
            w.WriteStartObject();
            w.WriteString("status", "pending");
            w.WriteString("message", PendingMessage);
            w.WriteEndObject();
        }).ConfigureAwait(false);
    }

    /// <summary>What the per-address limit counts: the IPv4 address, or the /64 an IPv6 address is in (one host
    /// commonly holds a whole /64, so counting single IPv6 addresses would not limit it).</summary>
    public static string LimitAddress(System.Net.IPAddress? address)
    {
        if (address is null)
        {
            return "-";
        }

        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        if (address.AddressFamily != System.Net.Sockets.AddressFamily.InterNetworkV6)
        {
            return address.ToString();
        }

        byte[] bytes = address.GetAddressBytes();
        Array.Clear(bytes, 8, 8);
        return new System.Net.IPAddress(bytes) + "/64";
    }

    /// <summary>The console path that finishes a sign-up; the token is in the fragment, which browsers never send.</summary>
    public static string VerificationPath(string token) => "/console/#verify=" + token;

    private static OutgoingMail VerificationMail(string email, string token, RegistrationSettings settings) => new(email,
        "Finish signing up",
        $"""
        Someone (hopefully you) asked to open an account with this address.

        To finish, open this link and choose a password. It works once, until {Describe(settings.LinkLifetime)} after the request:

        {settings.PublicUrl}{VerificationPath(token)}

        If it was not you, ignore this message: nothing is opened without the link.
        """);

    private static OutgoingMail KnownAddressMail(string email, RegistrationSettings settings) => new(email,
        "You already have an account",
        $"""
        Someone (hopefully you) asked to open an account with this address, but it already has one.

        Sign in at {settings.PublicUrl}/console/ instead. If it was not you, ignore this message: nothing was changed.
        """);

    private static string Describe(TimeSpan span) =>
        span.TotalDays >= 1 && span.TotalDays == Math.Floor(span.TotalDays) ? $"{span.TotalDays:0} day{(span.TotalDays == 1 ? "" : "s")}"
        : span.TotalHours >= 1 && span.TotalHours == Math.Floor(span.TotalHours) ? $"{span.TotalHours:0} hour{(span.TotalHours == 1 ? "" : "s")}"
        : $"{Math.Ceiling(span.TotalMinutes):0} minutes";

    private static async Task VerifyAsync(HttpContext http)
    {
        if (await ReadTokenAndNewPasswordAsync(http).ConfigureAwait(false) is not { } input)
        {
            return;
        }

        var (token, password) = input;

        var settings = Settings(http);
        string address = ConsoleGate.Address(http);
        var logger = http.RequestServices.GetRequiredService<ILogger<ConsoleSessions>>();
        if (settings.Mode != RegistrationMode.Open)
        {
            await AdminHttp.WriteErrorAsync(http, StatusCodes.Status403Forbidden, "permission_error",
                "Sign-up is closed on this server: ask its operator for an invitation.").ConfigureAwait(false);
            return;
        }

        var now = http.RequestServices.GetRequiredService<TimeProvider>().GetUtcNow();
        var opening = new AccountOpening("", settings.AccountGroup, settings.InitialGrantMicros, now);
        var outcome = token.Length <= 128
            ? await http.RequestServices.GetRequiredService<ISignUpStore>().CompleteSignUpAsync(
                ConsoleSessions.HashToken(token), ConsolePasswords.Hash(password), opening, http.RequestAborted).ConfigureAwait(false)
            : SignUpCompletion.Refused;
        if (outcome.AlreadyRegistered)
        {
            await AdminHttp.WriteErrorAsync(http, StatusCodes.Status409Conflict, "conflict_error",
                "This address has a login already: sign in with it.").ConfigureAwait(false);
            return;
        }

        if (outcome.Opened is not { } opened)
        {
            logger.SignUpVerifyRefused(address);
            await AdminHttp.WriteErrorAsync(http, StatusCodes.Status404NotFound, "not_found_error",
                "The link is unknown, used or expired: sign up again for a new one.").ConfigureAwait(false);
            return;
        }

        await RefreshBalancesAsync(http).ConfigureAwait(false);
        logger.SignUpVerified(opened.GrantLedgerId is null ? 0 : settings.InitialGrantMicros);
        await AdminHttp.WriteJsonAsync(http, StatusCodes.Status200OK, w =>
        {
            w.WriteStartObject();
            w.WriteString("principal", opened.Principal);
            w.WriteString("account_id", opened.AccountId);
            w.WriteNumber("grant_micros", opened.GrantLedgerId is null ? 0 : settings.InitialGrantMicros);
            w.WriteEndObject();
        }).ConfigureAwait(false);
    }

    private static async Task PeekInvitationAsync(HttpContext http)
    {
        string token;
        using (var body = await AdminHttp.ReadObjectAsync(http, "token").ConfigureAwait(false))
        {
            token = AdminInput.RequiredString(body.RootElement, "token");
        }

        var now = http.RequestServices.GetRequiredService<TimeProvider>().GetUtcNow();
        var invitation = token.Length <= 128
            ? await http.RequestServices.GetRequiredService<ISignUpStore>().PeekInvitationAsync(ConsoleSessions.HashToken(token), now, http.RequestAborted).ConfigureAwait(false)
            : null;
        if (invitation is null)
        {
            await AdminHttp.WriteErrorAsync(http, StatusCodes.Status404NotFound, "not_found_error",
                "The invitation is unknown, used or expired.").ConfigureAwait(false);
            return;
        }

        string? accountName = invitation.AccountId is { } id
            ? (await http.RequestServices.GetRequiredService<IAccountStore>().GetAccountAsync(id, http.RequestAborted).ConfigureAwait(false))?.Name
            : null;
        var settings = Settings(http);
        await AdminHttp.WriteJsonAsync(http, StatusCodes.Status200OK, w =>
        {
            w.WriteStartObject();
            w.WriteString("principal", invitation.Principal);
            w.WriteBoolean("operator", invitation.IsOperator);
            w.WriteString("account_id", invitation.AccountId);
            w.WriteString("account_name", accountName);
            w.WriteString("role", invitation.Role);
            w.WriteBoolean("opens_account", OpensAccount(invitation, settings));
            w.WriteString("expires_at", invitation.ExpiresAt);
            w.WriteEndObject();
        }).ConfigureAwait(false);
    }

    private static bool OpensAccount(ConsoleInvitation invitation, RegistrationSettings settings) =>
        invitation.AccountId is null && !invitation.IsOperator && settings.Mode != RegistrationMode.Closed;

    /// <summary>After an invitation is accepted: joins the account it names with its role, or — outside closed mode,
    /// for a login that belongs to no account yet — opens one with the initial grant.</summary>
    public static async Task BindInvitationAsync(HttpContext http, ConsoleInvitation invitation)
    {
        ArgumentNullException.ThrowIfNull(invitation);
        var accounts = http.RequestServices.GetRequiredService<IAccountStore>();
        var logger = http.RequestServices.GetRequiredService<ILogger<ConsoleSessions>>();
        if (invitation.AccountId is { } accountId)
        {
            var role = ParseRole(invitation.Role) ?? AccountRole.Member;
            if (await accounts.SetMemberAsync(accountId, invitation.Principal, role, http.RequestAborted).ConfigureAwait(false))
            {
                logger.InvitationBound(invitation.Role ?? "member", 0);
            }

            return;
        }

        var settings = Settings(http);
        if (!OpensAccount(invitation, settings)
            || (await accounts.ListMembershipsAsync(invitation.Principal, http.RequestAborted).ConfigureAwait(false)).Count > 0)
        {
            return;
        }

        var now = http.RequestServices.GetRequiredService<TimeProvider>().GetUtcNow();
        var opened = await http.RequestServices.GetRequiredService<ISignUpStore>().OpenAccountAsync(
            new AccountOpening(invitation.Principal, settings.AccountGroup, settings.InitialGrantMicros, now), http.RequestAborted).ConfigureAwait(false);
        await RefreshBalancesAsync(http).ConfigureAwait(false);
        logger.InvitationBound("owner", opened.GrantLedgerId is null ? 0 : settings.InitialGrantMicros);
    }

    /// <summary>The relay keeps balances in memory between refreshes: makes a new account's grant spendable at once.</summary>
    private static async Task RefreshBalancesAsync(HttpContext http)
    {
        if (http.RequestServices.GetService<Candor.Core.Admission.BillingBook>() is { } book)
        {
            await book.RefreshAsync(http.RequestAborted).ConfigureAwait(false);
        }
    }

    /// <summary>An account role by name (owner, admin, member, viewer), or null.</summary>
    public static AccountRole? ParseRole(string? name) => name switch
    {
        "owner" => AccountRole.Owner,
        "admin" => AccountRole.Admin,
        "member" => AccountRole.Member,
        "viewer" => AccountRole.Viewer,
        _ => null,
    };
}
