namespace Candor.Core.Accounts;

/// <summary>The other spellings one-api and new-api accept for a token, reduced to the one Candor stores for imported
/// keys (<c>sk-</c> + the token's key, docs/migrate.md). Both platforms strip an optional <c>sk-</c>, split what is
/// left at <c>-</c> and look the first part up (<c>middleware/auth.go</c>, <c>TokenAuth</c>), so their clients may
/// send <c>KEY</c>, <c>sk-KEY</c>, or <c>sk-KEY-CHANNEL</c> (an administrator's channel pin, also <c>-!CHANNEL</c>
/// and <c>-CHANNEL-ignore</c>). Candor resolves all of them to the imported key; the pin is not carried (Candor
/// routes as for the bare key).</summary>
internal static class ImportedKeyForm
{
    /// <summary>The stored spelling of <paramref name="presented"/> when it differs from it (<c>sk-</c> + the part
    /// before the first <c>-</c> after an optional <c>sk-</c>); null when there is none. Depends only on the shape of
    /// the text, never on any stored key.</summary>
    public static string? Canonical(ReadOnlySpan<char> presented)
    {
        var rest = presented.StartsWith("sk-", StringComparison.Ordinal) ? presented[3..] : presented;
        int dash = rest.IndexOf('-');
        var key = dash < 0 ? rest : rest[..dash];
        if (key.IsEmpty || (dash < 0 && rest.Length != presented.Length))
        {
            // Nothing before the dash, or already the stored spelling (sk-KEY).
            return null;
        }

        return string.Concat("sk-", key);
    }
}
