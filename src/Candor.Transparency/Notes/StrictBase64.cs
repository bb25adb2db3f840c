namespace Candor.Transparency.Notes;

/// <summary>Standard base64 decoding that accepts only the canonical spelling. <see cref="Convert.FromBase64String"/>
/// ignores whitespace and the unused low bits of the last character, so two different texts can decode to the same
/// bytes; a verifier that accepted both would let a changed byte go unnoticed.</summary>
public static class StrictBase64
{
    /// <summary>Decodes <paramref name="text"/>; false unless it is exactly the canonical encoding of the result.</summary>
    public static bool TryDecode(string text, out byte[] bytes)
    {
        bytes = [];
        try
        {
            byte[] decoded = Convert.FromBase64String(text);
            if (Convert.ToBase64String(decoded) != text)
            {
                return false;
            }

            bytes = decoded;
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
    }
}
