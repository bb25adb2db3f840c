namespace Candor.Core.WebConsole;

/// <summary>The one form of a console principal (a user name or an email address): trimmed and lower-cased with the
/// invariant culture, as sign-up has always stored addresses. Sign-in, invitations and the sign-in throttle use it,
/// so "Ann@Example.com" and "ann@example.com" are one login. Logins stored with capitals before this rule (invited
/// by a name typed with capitals) still sign in with their exact spelling (<see cref="Candidates"/>).</summary>
internal static class ConsolePrincipal
{
    /// <summary>The normal form of <paramref name="text"/>.</summary>
    public static string Normalize(string text) => text.Trim().ToLowerInvariant();

    /// <summary>The spellings a sign-in looks up, in order: the normal form, then the exact trimmed text when it
    /// differs (a login stored before normalisation).</summary>
    public static IEnumerable<string> Candidates(string text)
    {
        string normal = Normalize(text);
        yield return normal;
        string trimmed = text.Trim();
        if (!string.Equals(trimmed, normal, StringComparison.Ordinal))
        {
            yield return trimmed;
        }
    }
}
