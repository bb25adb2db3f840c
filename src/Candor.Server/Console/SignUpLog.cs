namespace Candor.Server.WebConsole;

/// <summary>Log messages of console sign-up, its mail and the TOTP second factor (event ids 2850–2899). None carries
/// an email address, a principal, a token, a code or a secret: outcomes and client addresses only.</summary>
internal static partial class SignUpLog
{
    [LoggerMessage(2850, LogLevel.Information, "Console sign-up recorded from {Address}; the verification mail is queued")]
    public static partial void SignUpRecorded(this ILogger logger, string address);

    [LoggerMessage(2851, LogLevel.Warning, "Console sign-up refused from {Address}: the {Limit} limit is reached")]
    public static partial void SignUpLimited(this ILogger logger, string address, string limit);

    [LoggerMessage(2852, LogLevel.Information, "Console sign-up verified: a login and an account were opened (grant: {GrantMicros} micro-USD)")]
    public static partial void SignUpVerified(this ILogger logger, long grantMicros);

    [LoggerMessage(2853, LogLevel.Warning, "Console sign-up verification refused from {Address}: unknown, used or expired link")]
    public static partial void SignUpVerifyRefused(this ILogger logger, string address);

    [LoggerMessage(2854, LogLevel.Information, "Console mail sent through {Host}:{Port}")]
    public static partial void MailSent(this ILogger logger, string host, int port);

    [LoggerMessage(2855, LogLevel.Error, "Console mail could not be sent through {Host}:{Port}: {ErrorType}")]
    public static partial void MailFailed(this ILogger logger, string host, int port, string errorType);

    [LoggerMessage(2856, LogLevel.Error, "Console mail dropped: the outgoing queue is full")]
    public static partial void MailQueueFull(this ILogger logger);

    [LoggerMessage(2857, LogLevel.Information, "Console second factor (TOTP) turned on for a login")]
    public static partial void TotpEnabled(this ILogger logger);

    [LoggerMessage(2858, LogLevel.Information, "Console second factor (TOTP) turned off for a login")]
    public static partial void TotpDisabled(this ILogger logger);

    [LoggerMessage(2859, LogLevel.Warning, "Console second-factor code refused from {Address}: wrong, used or expired")]
    public static partial void TotpRefused(this ILogger logger, string address);

    [LoggerMessage(2860, LogLevel.Information, "Console sign-in from {Address} waits for the second factor")]
    public static partial void SecondFactorAsked(this ILogger logger, string address);

    [LoggerMessage(2861, LogLevel.Information, "Console invitation accepted: the login joined its account ({Role}) or opened one (grant: {GrantMicros} micro-USD)")]
    public static partial void InvitationBound(this ILogger logger, string role, long grantMicros);

    [LoggerMessage(2862, LogLevel.Warning, "Console second factor: a recovery code was used from {Address}")]
    public static partial void RecoveryCodeUsed(this ILogger logger, string address);

    [LoggerMessage(2863, LogLevel.Error, "Console second factor unavailable: the master key ring cannot be read")]
    public static partial void TotpNoKeyRing(this ILogger logger);
}
