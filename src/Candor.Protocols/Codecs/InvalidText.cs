using System.Text.Unicode;
using Candor.Protocols.Canonical;

namespace Candor.Protocols.Codecs;

/// <summary>Refuses a client body whose JSON strings are not text: bytes that are not UTF-8, or an escape that leaves
/// a lone UTF-16 surrogate (<c>"\ud800"</c>). <c>System.Text.Json</c> parses such a body and throws only when the
/// string is read — in the decoder, or later in an encoder, the token counter or the upstream when the string sits
/// in a part kept verbatim (a tool schema, an unknown field, a duplicate key the fast path forwards). So each decoder
/// entry point checks the whole body once, before parsing: a vectorized UTF-8 validation and a search for
/// backslashes that looks only at <c>\u</c> escapes.</summary>
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

        // In JSON a backslash occurs only inside a string, where it starts an escape: stepping from one escape to
        // the next backslash never lands inside an escape.
        int at = json.IndexOf((byte)'\\');
        while (at >= 0)
        {
            int end = at + 2;
            if (at + 1 < json.Length && json[at + 1] == (byte)'u' && Hex(json, at + 2) is int unit)
            {
                end = at + 6;
                if (unit is >= 0xDC00 and <= 0xDFFF)
                {
                    return false;
                }

                if (unit is >= 0xD800 and <= 0xDBFF)
                {
                    if (end + 1 >= json.Length || json[end] != (byte)'\\' || json[end + 1] != (byte)'u' || Hex(json, end + 2) is not (>= 0xDC00 and <= 0xDFFF))
                    {
                        return false;
                    }

                    end += 6;
                }
            }

            if (end >= json.Length)
            {
                break;
            }

            int next = json[end..].IndexOf((byte)'\\');
            at = next < 0 ? -1 : end + next;
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
