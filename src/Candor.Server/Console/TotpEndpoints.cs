using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Candor.Core.Security;
using Candor.Core.WebConsole;
using Candor.Server.Admin;
using Candor.Server.Hosting;

namespace Candor.Server.WebConsole;

/// <summary>The optional second factor of console logins (docs/console.md, "Two-step sign-in"): RFC 6238 TOTP whose
/// secret is sealed under the master key ring (as channel credentials are), enrolled from the signed-in console with an
/// <c>otpauth://</c> URI and confirmed by a first code; ten single-use recovery codes stored as hashes; and the second
/// step of a sign-in, which asks for a code (or a recovery code) after the password. A code's time step is accepted
/// once (no replay inside its window); wrong codes count against the sign-in throttle and kill the challenge after
/// <see cref="MaxChallengeFailures"/>.</summary>
internal static class TotpEndpoints
{
    /// <summary>How long a sign-in waits for its second factor.</summary>
    public static readonly TimeSpan ChallengeLifetime = TimeSpan.FromMinutes(5);

    /// <summary>Wrong codes one challenge survives.</summary>
    public const int MaxChallengeFailures = 5;

    /// <summary>Recovery codes issued when TOTP is turned on.</summary>
    public const int RecoveryCodes = 10;

    /// <summary>Maps the TOTP routes under <c>/console/api</c>.</summary>
    public static IEndpointRouteBuilder MapTotp(this IEndpointRouteBuilder app)
    {
        app.MapGet("/console/api/totp", ConsoleEndpoints.Api(StatusAsync));
        app.MapPost("/console/api/totp/enrol", ConsoleEndpoints.Api(EnrolAsync));
        app.MapPost("/console/api/totp/confirm", ConsoleEndpoints.Api(ConfirmAsync));
        app.MapPost("/console/api/totp/disable", ConsoleEndpoints.Api(DisableAsync));
        app.MapPost("/console/api/session/totp", ConsoleEndpoints.Api(SecondStepAsync));
        return app;
    }

    /// <summary>Called by the sign-in once the password is right: when the login has TOTP on, stores a challenge,
    /// answers with it (no session yet) and returns true.</summary>
    public static async Task<bool> AskSecondFactorAsync(HttpContext http, ConsoleLogin login, string address)
    {
        ArgumentNullException.ThrowIfNull(login);
        var store = http.RequestServices.GetService<ITotpStore>();
        if (store is null || await store.GetTotpAsync(login.Principal, http.RequestAborted).ConfigureAwait(false) is not { Enabled: true })
        {
            return false;
        }

        string token = ConsoleSessions.NewToken();
        var now = http.RequestServices.GetRequiredService<TimeProvider>().GetUtcNow();
        await store.CreateChallengeAsync(new ConsoleChallenge(ConsoleSessions.HashToken(token), login.Principal, now + ChallengeLifetime, 0), http.RequestAborted).ConfigureAwait(false);
        http.RequestServices.GetRequiredService<ILogger<ConsoleSessions>>().SecondFactorAsked(address);
        await AdminHttp.WriteJsonAsync(http, StatusCodes.Status200OK, w =>
        {
            w.WriteStartObject();
            w.WriteString("second_factor", "totp");
            w.WriteString("challenge", token);
            w.WriteString("expires_at", now + ChallengeLifetime);
            w.WriteEndObject();
        }).ConfigureAwait(false);
        return true;
    }

    private static async Task SecondStepAsync(HttpContext http)
    {
        var logger = http.RequestServices.GetRequiredService<ILogger<ConsoleSessions>>();
        string address = ConsoleGate.Address(http);
        if (await SignUpEndpoints.OriginRefusedAsync(http).ConfigureAwait(false))
        {
            return;
        }

        string challengeToken;
        string? code;
        string? recovery;
        using (var body = await AdminHttp.ReadObjectAsync(http, "challenge", "code", "recovery_code").ConfigureAwait(false))
        {
            challengeToken = AdminInput.RequiredString(body.RootElement, "challenge");
            code = AdminInput.OptionalString(body.RootElement, "code");
            recovery = AdminInput.OptionalString(body.RootElement, "recovery_code");
        }

        var store = http.RequestServices.GetRequiredService<ITotpStore>();
        var now = http.RequestServices.GetRequiredService<TimeProvider>().GetUtcNow();
        string challengeHash = ConsoleSessions.HashToken(challengeToken);
        var challenge = challengeToken.Length <= 128 ? await store.GetChallengeAsync(challengeHash, now, http.RequestAborted).ConfigureAwait(false) : null;
        if (challenge is null)
        {
            await AdminHttp.WriteErrorAsync(http, StatusCodes.Status401Unauthorized, "authentication_error",
                "The sign-in has expired or was refused too often; sign in again.").ConfigureAwait(false);
            return;
        }

        var attempt = await BeginAsync(http, challenge.Principal, address).ConfigureAwait(false);
        await using var counted = attempt.ConfigureAwait(false);
        if (await ThrottledAsync(http, attempt, address).ConfigureAwait(false))
        {
            return;
        }

        if (!await ProveAsync(http, challenge.Principal, code, recovery, now).ConfigureAwait(false))
        {
            SignInThrottle.Failed(attempt);
            await store.FailChallengeAsync(challengeHash, MaxChallengeFailures, http.RequestAborted).ConfigureAwait(false);
            logger.TotpRefused(address);
            await AdminHttp.WriteErrorAsync(http, StatusCodes.Status401Unauthorized, "authentication_error",
                "Wrong or already used code.").ConfigureAwait(false);
            return;
        }

        var sessions = http.RequestServices.GetRequiredService<ConsoleSessions>();
        var login = await sessions.Store.GetLoginAsync(challenge.Principal, http.RequestAborted).ConfigureAwait(false);
        if (login is null || !await store.TakeChallengeAsync(challengeHash, http.RequestAborted).ConfigureAwait(false))
        {
            await AdminHttp.WriteErrorAsync(http, StatusCodes.Status401Unauthorized, "authentication_error",
                "The sign-in has expired or was refused too often; sign in again.").ConfigureAwait(false);
            return;
        }

        await SignInThrottle.SucceededAsync(attempt, challenge.Principal, address, http.RequestAborted).ConfigureAwait(false);
        string token = await sessions.StartAsync(http, login.Principal).ConfigureAwait(false);
        logger.SignedIn(login.IsOperator, address);
        await ConsoleEndpoints.WriteSessionAsync(http, new ConsoleCaller(login.Principal, login.IsOperator, token)).ConfigureAwait(false);
    }

    private static Task<AttemptTicket> BeginAsync(HttpContext http, string principal, string address) =>
        http.RequestServices.GetRequiredService<SignInThrottle>().BeginAsync(principal, address, http.RequestAborted);

    private static async Task<bool> ThrottledAsync(HttpContext http, AttemptTicket attempt, string address)
    {
        if (attempt.RetryAfter is not { } wait)
        {
            return false;
        }

        http.RequestServices.GetRequiredService<ILogger<ConsoleSessions>>().SignInThrottled(address);
        http.Response.Headers.RetryAfter = ((long)Math.Ceiling(wait.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
        await AdminHttp.WriteErrorAsync(http, StatusCodes.Status429TooManyRequests, "rate_limit_error",
            "Too many wrong codes; try again later.").ConfigureAwait(false);
        return true;
    }

    /// <summary>True when <paramref name="code"/> is a current code whose step was not used before (claimed now), or
    /// <paramref name="recovery"/> an unused recovery code (consumed now).</summary>
    private static async Task<bool> ProveAsync(HttpContext http, string principal, string? code, string? recovery, DateTimeOffset now)
    {
        var store = http.RequestServices.GetRequiredService<ITotpStore>();
        if (!string.IsNullOrWhiteSpace(recovery))
        {
            bool used = recovery.Length <= 64
                && await store.UseRecoveryCodeAsync(principal, RecoveryCodeHash(principal, recovery), http.RequestAborted).ConfigureAwait(false);
            if (used)
            {
                http.RequestServices.GetRequiredService<ILogger<ConsoleSessions>>().RecoveryCodeUsed(ConsoleGate.Address(http));
            }

            return used;
        }

        var enrolment = await store.GetTotpAsync(principal, http.RequestAborted).ConfigureAwait(false);
        if (code is null || enrolment is not { Enabled: true } || OpenSecret(http, enrolment) is not { } secret)
        {
            return false;
        }

        long? step = Totp.Match(secret, code, now);
        CryptographicOperations.ZeroMemory(secret);
        return step is { } matched && await store.ClaimTotpStepAsync(principal, matched, http.RequestAborted).ConfigureAwait(false);
    }

    private static async Task StatusAsync(HttpContext http)
    {
        if (await SignedInAsync(http).ConfigureAwait(false) is not { } caller)
        {
            return;
        }

        var enrolment = await http.RequestServices.GetRequiredService<ITotpStore>().GetTotpAsync(caller.Principal, http.RequestAborted).ConfigureAwait(false);
        await AdminHttp.WriteJsonAsync(http, StatusCodes.Status200OK, w =>
        {
            w.WriteStartObject();
            w.WriteBoolean("enabled", enrolment is { Enabled: true });
            w.WriteEndObject();
        }).ConfigureAwait(false);
    }

    private static async Task EnrolAsync(HttpContext http)
    {
        if (await SignedInAsync(http).ConfigureAwait(false) is not { } caller)
        {
            return;
        }

        if (Ring(http) is not { } ring)
        {
            await NoRingAsync(http).ConfigureAwait(false);
            return;
        }

        byte[] secret = Totp.NewSecret();
        try
        {
            byte[] sealedSecret = ring.Seal(secret, Totp.AssociatedData(caller.Principal));
            var enrolment = new TotpEnrolment(caller.Principal, Convert.ToBase64String(sealedSecret), MasterKeyRing.KeyIdOf(sealedSecret), Enabled: false, LastStep: 0);
            var now = http.RequestServices.GetRequiredService<TimeProvider>().GetUtcNow();
            if (!await http.RequestServices.GetRequiredService<ITotpStore>().StartTotpAsync(enrolment, now, http.RequestAborted).ConfigureAwait(false))
            {
                await AdminHttp.WriteErrorAsync(http, StatusCodes.Status409Conflict, "conflict_error",
                    "The second factor is on already; turn it off first to enrol a new authenticator.").ConfigureAwait(false);
                return;
            }

            string issuer = http.RequestServices.GetService<Core.Routing.SnapshotHolder>()?.Current.Config.Operator.Name is { Length: > 0 } name ? name : "Candor";
            string uri = Totp.Uri(issuer, caller.Principal, secret);
            await AdminHttp.WriteJsonAsync(http, StatusCodes.Status200OK, w =>
            {
                w.WriteStartObject();
                w.WriteString("secret", Totp.Base32(secret));
                w.WriteString("otpauth_uri", uri);
                w.WriteString("qr_png", "data:image/png;base64," + Convert.ToBase64String(QrPng(uri)));
                w.WriteString("note", "Add the secret to an authenticator app, then confirm with a code it shows. The secret is shown once and stored sealed.");
                w.WriteEndObject();
            }).ConfigureAwait(false);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(secret);
        }
    }

    private static async Task ConfirmAsync(HttpContext http)
    {
        if (await SignedInAsync(http).ConfigureAwait(false) is not { } caller)
        {
            return;
        }

        string code;
        using (var body = await AdminHttp.ReadObjectAsync(http, "code").ConfigureAwait(false))
        {
            code = AdminInput.RequiredString(body.RootElement, "code");
        }

        string address = ConsoleGate.Address(http);
        var attempt = await BeginAsync(http, caller.Principal, address).ConfigureAwait(false);
        await using var counted = attempt.ConfigureAwait(false);
        if (await ThrottledAsync(http, attempt, address).ConfigureAwait(false))
        {
            return;
        }

        var store = http.RequestServices.GetRequiredService<ITotpStore>();
        var enrolment = await store.GetTotpAsync(caller.Principal, http.RequestAborted).ConfigureAwait(false);
        if (enrolment is not { Enabled: false })
        {
            await AdminHttp.WriteErrorAsync(http, StatusCodes.Status409Conflict, "conflict_error",
                enrolment is null ? "Nothing to confirm: enrol first." : "The second factor is on already.").ConfigureAwait(false);
            return;
        }

        byte[]? secret = OpenSecret(http, enrolment);
        if (secret is null)
        {
            await NoRingAsync(http).ConfigureAwait(false);
            return;
        }

        long? step = Totp.Match(secret, code, http.RequestServices.GetRequiredService<TimeProvider>().GetUtcNow());
        CryptographicOperations.ZeroMemory(secret);
        var codes = new List<string>(RecoveryCodes);
        for (int i = 0; i < RecoveryCodes; i++)
        {
            codes.Add(NewRecoveryCode());
        }

        if (step is not { } matched
            || !await store.EnableTotpAsync(caller.Principal, matched, codes.ConvertAll(c => RecoveryCodeHash(caller.Principal, c)), http.RequestAborted).ConfigureAwait(false))
        {
            SignInThrottle.Failed(attempt);
            http.RequestServices.GetRequiredService<ILogger<ConsoleSessions>>().TotpRefused(address);
            throw new AdminInputException("code", "Wrong code: enter the 6 digits the authenticator shows now.");
        }

        http.RequestServices.GetRequiredService<ILogger<ConsoleSessions>>().TotpEnabled();
        await AdminHttp.WriteJsonAsync(http, StatusCodes.Status200OK, w =>
        {
            w.WriteStartObject();
            w.WriteBoolean("enabled", true);
            w.WriteStartArray("recovery_codes");
            foreach (string c in codes)
            {
                w.WriteStringValue(c);
            }

            w.WriteEndArray();
            w.WriteString("note", "Keep the recovery codes somewhere safe: each signs in once without the authenticator. They are shown once and stored as hashes.");
            w.WriteEndObject();
        }).ConfigureAwait(false);
    }

    private static async Task DisableAsync(HttpContext http)
    {
        if (await SignedInAsync(http).ConfigureAwait(false) is not { } caller)
        {
            return;
        }

        string? code;
        string? recovery;
        using (var body = await AdminHttp.ReadObjectAsync(http, "code", "recovery_code").ConfigureAwait(false))
        {
            code = AdminInput.OptionalString(body.RootElement, "code");
            recovery = AdminInput.OptionalString(body.RootElement, "recovery_code");
        }

        string address = ConsoleGate.Address(http);
        var attempt = await BeginAsync(http, caller.Principal, address).ConfigureAwait(false);
        await using var counted = attempt.ConfigureAwait(false);
        if (await ThrottledAsync(http, attempt, address).ConfigureAwait(false))
        {
            return;
        }

        var now = http.RequestServices.GetRequiredService<TimeProvider>().GetUtcNow();
        if (!await ProveAsync(http, caller.Principal, code, recovery, now).ConfigureAwait(false))
        {
            SignInThrottle.Failed(attempt);
            http.RequestServices.GetRequiredService<ILogger<ConsoleSessions>>().TotpRefused(address);
            throw new AdminInputException("code", "Wrong or already used code: turning the second factor off needs a current code or a recovery code.");
        }

        await http.RequestServices.GetRequiredService<ITotpStore>().DeleteTotpAsync(caller.Principal, http.RequestAborted).ConfigureAwait(false);
        http.RequestServices.GetRequiredService<ILogger<ConsoleSessions>>().TotpDisabled();
        http.Response.StatusCode = StatusCodes.Status204NoContent;
    }

    /// <summary>The caller of a live session whose state change carries the CSRF token and this Origin; otherwise
    /// writes 401 or 403 and returns null.</summary>
    private static async Task<ConsoleCaller?> SignedInAsync(HttpContext http)
    {
        var caller = await http.RequestServices.GetRequiredService<ConsoleSessions>().ResolveAsync(http).ConfigureAwait(false);
        if (caller is null)
        {
            await AdminHttp.WriteErrorAsync(http, StatusCodes.Status401Unauthorized, "authentication_error", "Not signed in.").ConfigureAwait(false);
            return null;
        }

        if (ConsoleSessions.CsrfProblem(http, caller) is { } problem)
        {
            http.RequestServices.GetRequiredService<ILogger<ConsoleSessions>>().CsrfRefused(ConsoleGate.Address(http), problem);
            await AdminHttp.WriteErrorAsync(http, StatusCodes.Status403Forbidden, "csrf_error", $"Refused: {problem}.").ConfigureAwait(false);
            return null;
        }

        return caller;
    }

    private static MasterKeyRing? Ring(HttpContext http) => http.RequestServices.GetService<SnapshotBuilder>()?.Ring();

    private static Task NoRingAsync(HttpContext http)
    {
        http.RequestServices.GetRequiredService<ILogger<ConsoleSessions>>().TotpNoKeyRing();
        return AdminHttp.WriteErrorAsync(http, StatusCodes.Status503ServiceUnavailable, "api_error",
            "The master key ring cannot be read, so the second factor cannot be used now.");
    }

    /// <summary>The otpauth URI as a QR code (PNG, drawn here: the secret never goes to a QR service).</summary>
    private static byte[] QrPng(string uri)
    {
        using var generator = new QRCoder.QRCodeGenerator();
        using var data = generator.CreateQrCode(uri, QRCoder.QRCodeGenerator.ECCLevel.M);
        using var png = new QRCoder.PngByteQRCode(data);
        return png.GetGraphic(4);
    }

    private static byte[]? OpenSecret(HttpContext http, TotpEnrolment enrolment)
    {
        if (Ring(http) is not { } ring)
        {
            return null;
        }

        try
        {
            return ring.Open(Convert.FromBase64String(enrolment.SealedSecret), Totp.AssociatedData(enrolment.Principal));
        }
        catch (Exception e) when (e is CryptographicException or FormatException)
        {
            return null;
        }
    }

    /// <summary>A recovery code: 60 random bits as 12 base32 characters in three groups (<c>abcd-efgh-ijkl</c>).</summary>
    private static string NewRecoveryCode()
    {
        string text = Totp.Base32(RandomNumberGenerator.GetBytes(8))[..12].ToLowerInvariant();
        return $"{text[..4]}-{text[4..8]}-{text[8..]}";
    }

    /// <summary>What the store keeps of a recovery code: SHA-256 of the principal and the code without separators.</summary>
    public static string RecoveryCodeHash(string principal, string code)
    {
        string normalized = code.Replace("-", "", StringComparison.Ordinal).Replace(" ", "", StringComparison.Ordinal).ToUpperInvariant();
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(principal + "\n" + normalized)));
    }
}
