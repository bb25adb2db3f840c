namespace Candor.Core.WebConsole;

/// <summary>The outcome of presenting a verification token.</summary>
/// <param name="Opened">The login's new account, when the token was good.</param>
/// <param name="AlreadyRegistered">The token was good but its address has a login already (nothing was changed).</param>
internal sealed record SignUpCompletion(OpenedAccount? Opened, bool AlreadyRegistered)
{
    /// <summary>The token is unknown, used or expired.</summary>
    public static SignUpCompletion Refused { get; } = new(null, false);
}
