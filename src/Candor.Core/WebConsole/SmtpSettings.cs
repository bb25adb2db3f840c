namespace Candor.Core.WebConsole;

/// <summary>The SMTP server that carries verification mail (<c>registration.smtp</c>). The password is never in the
/// file: it comes from <see cref="PasswordVariable"/>.</summary>
internal sealed record SmtpSettings
{
    /// <summary>The environment variable holding the SMTP password (used only when <see cref="User"/> is set).</summary>
    public const string PasswordVariable = "CANDOR_SMTP_PASSWORD";

    /// <summary>The server's host name or address.</summary>
    public required string Host { get; init; }

    /// <summary>The port (default 587; 465 for implicit TLS).</summary>
    public int Port { get; init; } = 587;

    /// <summary>How the connection is protected.</summary>
    public SmtpSecurity Security { get; init; } = SmtpSecurity.StartTls;

    /// <summary>The user to authenticate as, or null to send without authentication.</summary>
    public string? User { get; init; }

    /// <summary>The sender address (<c>From:</c>), e.g. <c>Candor &lt;relay@example.com&gt;</c>.</summary>
    public required string From { get; init; }
}
