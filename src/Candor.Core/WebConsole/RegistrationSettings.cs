namespace Candor.Core.WebConsole;

/// <summary>The <c>registration</c> section: whether and how people open console logins themselves, the mail that
/// verifies their address, the credit a new account starts with, and the bounds on sign-ups (docs/console.md,
/// docs/business.md). Absent: <see cref="RegistrationMode.Closed"/>.</summary>
internal sealed record RegistrationSettings
{
    /// <summary>Closed: only invitations.</summary>
    public static RegistrationSettings Closed { get; } = new();

    /// <summary>Who may sign up.</summary>
    public RegistrationMode Mode { get; init; } = RegistrationMode.Closed;

    /// <summary>The console's public base URL (<c>https://relay.example.com</c>) that links in mail start with. Never
    /// taken from a request's Host header, which a client chooses.</summary>
    public string? PublicUrl { get; init; }

    /// <summary>Credit given to an account opened by sign-up, in micro-USD (0 = none): one ledger entry, once per account.</summary>
    public long InitialGrantMicros { get; init; }

    /// <summary>The price group of accounts opened by sign-up.</summary>
    public string AccountGroup { get; init; } = Accounts.Account.DefaultGroup;

    /// <summary>Sign-ups accepted per client address in one <see cref="LimitWindow"/>.</summary>
    public int PerAddress { get; init; } = 5;

    /// <summary>Sign-ups accepted per email domain in one <see cref="LimitWindow"/>.</summary>
    public int PerDomain { get; init; } = 50;

    /// <summary>The window both sign-up limits count over (sliding).</summary>
    public TimeSpan LimitWindow { get; init; } = TimeSpan.FromDays(1);

    /// <summary>How long a verification link works.</summary>
    public TimeSpan LinkLifetime { get; init; } = TimeSpan.FromHours(24);

    /// <summary>The SMTP server (required for <see cref="RegistrationMode.Open"/>).</summary>
    public SmtpSettings? Smtp { get; init; }
}
