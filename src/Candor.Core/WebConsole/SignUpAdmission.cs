namespace Candor.Core.WebConsole;

/// <summary>Whether a sign-up was recorded, or which limit refused it.</summary>
internal enum SignUpAdmission
{
    /// <summary>Recorded; the verification mail may go.</summary>
    Accepted,

    /// <summary>Too many sign-ups from this client address in the window.</summary>
    AddressLimited,

    /// <summary>Too many sign-ups for this email domain in the window.</summary>
    DomainLimited,
}
