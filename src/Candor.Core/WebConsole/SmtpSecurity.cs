namespace Candor.Core.WebConsole;

/// <summary>How the connection to the SMTP server is protected (<c>registration.smtp.security</c>).</summary>
internal enum SmtpSecurity
{
    /// <summary>Plain connection upgraded with STARTTLS, which must succeed (port 587; the default).</summary>
    StartTls,

    /// <summary>TLS from the first byte (implicit TLS, port 465).</summary>
    Tls,

    /// <summary>No encryption: only for a relay on the same host or a test sink.</summary>
    None,
}
