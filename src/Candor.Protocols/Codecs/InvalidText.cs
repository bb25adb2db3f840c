using System.Text.Unicode;
using Candor.Protocols.Canonical;

namespace Candor.Protocols.Codecs;

/// <summary>Refuses a client body whose JSON strings are not text: bytes that are not UTF-8, or an escape that leaves
/// a lone UTF-16 surrogate (<c>"\ud800"</c>). <c>System.Text.Json</c> parses such a body and throws only when the
/// string is read — in the decoder, or later in an encoder, the token counter or the upstream when the string sits
/// in a part kept verbatim (a tool schema, an unknown field, a duplicate key the fast path forwards). So each decoder
/// entry point checks the whole body once, before parsing: a vectorized UTF-8 validation and a vectorized search
/// for <c>\u</c> escapes (docs/benchmarks.md, "Text check of request bodies", has the cost).</summary>
public static class InvalidText
{
    /// <summary>The 400 every surface answers (it names no content).</summary>
    public static RelayError Error { get; } = RelayError.BadRequest(
        "The request body contains a string that is not valid UTF-8 or holds a lone UTF-16 surrogate escape.");

    /// <summary>False when <paramref name="json"/> holds bytes that are not UTF-8 or a <c>\u</c> escape of a
    /// surrogate without its pair. Anything else that is not JSON is left to the parser.</summary>
    public static bool IsText(ReadOnlySpan<byte> json)
    {
        if (!Utf8.IsValid(json))
        {
            return false;
        }

        // Only \u escapes can hold a surrogate. A backslash occurs only inside a string (elsewhere the parser refuses
        // the body), and a "\u" is an escape when an even number of backslashes precedes it.
        int from = json.IndexOf((byte)'\\');
        if (from < 0)
        {
            // Most bodies: no escape at all (a one-byte search is about three times faster than the two-byte one).
            return true;
        }

        while (from < json.Length)
        {
            int found = json[from..].IndexOf("\\u"u8);
            if (found < 0)
            {
                return true;
            }

            int at = from + found;
            int run = at;
            while (run > 0 && json[run - 1] == (byte)'\\')
            {
                run--;
            }

            from = at + 2;
            if ((at - run) % 2 != 0 || Hex(json, at + 2) is not int unit)
            {
                continue;
            }

            from = at + 6;
            if (unit is >= 0xDC00 and <= 0xDFFF)
            {
                return false;
            }

            if (unit is >= 0xD800 and <= 0xDBFF)
            {
                if (from + 1 >= json.Length || json[from] != (byte)'\\' || json[from + 1] != (byte)'u' || Hex(json, from + 2) is not (>= 0xDC00 and <= 0xDFFF))
                {
                    return false;
                }

                from += 6;
            }
        }

        return true;
    }

    /// <summary>The four hex digits at <paramref name="start"/>, or null.</summary>
    private static int? Hex(ReadOnlySpan<byte> json, int start)
    {
        if (start + 4 > json.Length)
        {
            return null;
        }

        int value = 0;
        foreach (byte b in json.Slice(start, 4))
        {
            int digit = b switch
            {
                >= (byte)'0' and <= (byte)'9' => b - '0',
                >= (byte)'a' and <= (byte)'f' => b - 'a' + 10,
                >= (byte)'A' and <= (byte)'F' => b - 'A' + 10,
                _ => -1,
            };
            if (digit < 0)
            {
                return null;
            }

            value = (value << 4) | digit;
        }

        return value;
    }
}
