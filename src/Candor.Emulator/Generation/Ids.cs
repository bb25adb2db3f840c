using System.Security.Cryptography;

namespace Candor.Emulator.Generation;

/// <summary>Response ids (unique per response, like the vendors') and helpers to cut strings into stream fragments.</summary>
internal static class Ids
{
    private const string Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

    public static string Random(int length) => RandomNumberGenerator.GetString(Alphabet, length);

    public static string Hex(ulong value, int length) => value.ToString("x16", System.Globalization.CultureInfo.InvariantCulture)[..length];

    /// <summary>Cuts a string into pieces of at most <paramref name="size"/> characters (never splitting a surrogate pair).</summary>
    public static IEnumerable<string> Fragments(string text, int size)
    {
        var start = 0;
        while (start < text.Length)
        {
            var length = Math.Min(size, text.Length - start);
            if (start + length < text.Length && char.IsHighSurrogate(text[start + length - 1]))
            {
                length--;
            }

            yield return text.Substring(start, length);
            start += length;
        }
    }
}
