namespace Candor.Core.WebConsole;

/// <summary>Who may open a console login (<c>registration.mode</c>; docs/console.md, "Registration").</summary>
internal enum RegistrationMode
{
    /// <summary>Only an operator's invitation makes a login (the default); nobody signs up.</summary>
    Closed,

    /// <summary>Sign-up only through an operator's invitation link; an invitation that names no account opens one
    /// for the invitee, with the initial grant.</summary>
    Invitation,

    /// <summary>Anyone may sign up with an email address, verified by a link mailed to it; invitations work too.</summary>
    Open,
}
