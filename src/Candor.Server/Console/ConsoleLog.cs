namespace Candor.Server.WebConsole;

/// <summary>Log messages of the web console (event ids 2700–2799). None carries a principal, a password, a token or
/// a key: outcomes and client addresses only.</summary>
internal static partial class ConsoleLog
{
    [LoggerMessage(2700, LogLevel.Information, "Console sign-in succeeded (operator: {Operator}) from {Address}")]
    public static partial void SignedIn(this ILogger logger, bool @operator, string address);

    [LoggerMessage(2701, LogLevel.Warning, "Console sign-in refused from {Address}: wrong principal or password")]
    public static partial void SignInRefused(this ILogger logger, string address);

    [LoggerMessage(2702, LogLevel.Warning, "Console sign-in throttled from {Address}: too many failed attempts")]
    public static partial void SignInThrottled(this ILogger logger, string address);

    [LoggerMessage(2703, LogLevel.Warning, "Console request refused from {Address}: {Reason}")]
    public static partial void CsrfRefused(this ILogger logger, string address, string reason);

    [LoggerMessage(2704, LogLevel.Information, "Console invitation created (operator: {Operator}), valid until {ExpiresAt}")]
    public static partial void InvitationCreated(this ILogger logger, bool @operator, DateTimeOffset expiresAt);

    [LoggerMessage(2705, LogLevel.Information, "Console invitation accepted: a password was set (operator: {Operator})")]
    public static partial void InvitationAccepted(this ILogger logger, bool @operator);
}
