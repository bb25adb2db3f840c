using System.Buffers;
using System.Buffers.Text;
using System.Globalization;
using System.Text.Unicode;
using Candor.Protocols.Buffers;

namespace Candor.Core.Receipts;

/// <summary>Writes JSON values directly in RFC 8785 form into a pooled buffer, for a writer that emits object
/// members already in canonical order (the receipt writer): strings with the minimal escapes and raw UTF-8,
/// integers as ECMAScript prints them, lower-case hex digests. Nothing is parsed and nothing is allocated;
/// <see cref="Jcs"/> stays the canonicalizer for JSON from elsewhere (verification) and the unit tests check that
/// this writer's output is its own canonical form.</summary>
internal static class CanonicalJsonWriter
{
    /// <summary>The largest integer a double holds exactly (2^53): up to it ECMAScript prints the plain digits.</summary>
    private const long MaxExactInteger = 9_007_199_254_740_992;

    private static readonly SearchValues<char> NeedsEscape = SearchValues.Create(
        "\u0000\u0001\u0002\u0003\u0004\u0005\u0006\u0007\u0008\u0009\u000a\u000b\u000c\u000d\u000e\u000f" +
        "\u0010\u0011\u0012\u0013\u0014\u0015\u0016\u0017\u0018\u0019\u001a\u001b\u001c\u001d\u001e\u001f\"\\");

    /// <summary>Copies literal bytes (punctuation and member names, already canonical).</summary>
    public static void Raw(PooledBufferWriter w, ReadOnlySpan<byte> bytes) => w.Write(bytes);

    /// <summary>A string, or <c>null</c>. Lone surrogates (not representable in I-JSON) become U+FFFD, so text an
    /// upstream made up can never make a receipt unsignable.</summary>
    public static void String(PooledBufferWriter w, string? value)
    {
        if (value is null)
        {
            w.Write("null"u8);
            return;
        }

        Put(w, (byte)'"');
        ReadOnlySpan<char> rest = value;
        while (true)
        {
            int i = rest.IndexOfAny(NeedsEscape);
            Utf8(w, i < 0 ? rest : rest[..i]);
            if (i < 0)
            {
                break;
            }

            Escape(w, rest[i]);
            rest = rest[(i + 1)..];
        }

        Put(w, (byte)'"');
    }

    /// <summary>An integer as ECMAScript's Number::toString prints it (beyond 2^53 via the double it parses to,
    /// exactly as a canonicalizer reading the number would).</summary>
    public static void Number(PooledBufferWriter w, long value)
    {
        if (value is > MaxExactInteger or < -MaxExactInteger)
        {
            Ascii(w, Jcs.FormatNumber(value));
            return;
        }

        var span = w.GetSpan(20);
        value.TryFormat(span, out int n, default, CultureInfo.InvariantCulture);
        w.Advance(n);
    }

    /// <summary>An integer or <c>null</c>.</summary>
    public static void NumberOrNull(PooledBufferWriter w, long? value)
    {
        if (value is { } v)
        {
            Number(w, v);
        }
        else
        {
            w.Write("null"u8);
        }
    }

    /// <summary>Bytes as a string of lower-case hex digits, or <c>null</c>.</summary>
    public static void HexOrNull(PooledBufferWriter w, byte[]? bytes)
    {
        if (bytes is not null)
        {
            Hex(w, bytes);
        }
        else
        {
            w.Write("null"u8);
        }
    }

    /// <summary>Bytes as a string of lower-case hex digits.</summary>
    public static void Hex(PooledBufferWriter w, ReadOnlySpan<byte> bytes)
    {
        var span = w.GetSpan((bytes.Length * 2) + 2);
        span[0] = (byte)'"';
        var digits = "0123456789abcdef"u8;
        for (int i = 0; i < bytes.Length; i++)
        {
            span[1 + (2 * i)] = digits[bytes[i] >> 4];
            span[2 + (2 * i)] = digits[bytes[i] & 0xF];
        }

        span[(bytes.Length * 2) + 1] = (byte)'"';
        w.Advance((bytes.Length * 2) + 2);
    }

    /// <summary>A UTC time as <c>"yyyy-MM-ddTHH:mm:ss.fffZ"</c> (ASCII, nothing to escape).</summary>
    public static void Time(PooledBufferWriter w, DateTimeOffset time)
    {
        var span = w.GetSpan(32);
        span[0] = (byte)'"';
        time.UtcDateTime.TryFormat(span[1..], out int n, "yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
        span[n + 1] = (byte)'"';
        w.Advance(n + 2);
    }

    /// <summary>Bytes as a base64 string.</summary>
    public static void Base64String(PooledBufferWriter w, ReadOnlySpan<byte> bytes)
    {
        var span = w.GetSpan(Base64.GetMaxEncodedToUtf8Length(bytes.Length) + 2);
        span[0] = (byte)'"';
        Base64.EncodeToUtf8(bytes, span[1..], out _, out int n);
        span[n + 1] = (byte)'"';
        w.Advance(n + 2);
    }

    private static void Utf8(PooledBufferWriter w, ReadOnlySpan<char> text)
    {
        if (text.IsEmpty)
        {
            return;
        }

        var span = w.GetSpan(text.Length * 3);
        System.Text.Unicode.Utf8.FromUtf16(text, span, out _, out int written, replaceInvalidSequences: true);
        w.Advance(written);
    }

    private static void Escape(PooledBufferWriter w, char c)
    {
        switch (c)
        {
            case '"': w.Write("\\\""u8); break;
            case '\\': w.Write("\\\\"u8); break;
            case '\b': w.Write("\\b"u8); break;
            case '\f': w.Write("\\f"u8); break;
            case '\n': w.Write("\\n"u8); break;
            case '\r': w.Write("\\r"u8); break;
            case '\t': w.Write("\\t"u8); break;
            default:
                var span = w.GetSpan(6);
                "\\u00"u8.CopyTo(span);
                span[4] = "0123456789abcdef"u8[c >> 4];
                span[5] = "0123456789abcdef"u8[c & 0xF];
                w.Advance(6);
                break;
        }
    }

    private static void Ascii(PooledBufferWriter w, string text)
    {
        var span = w.GetSpan(text.Length);
        for (int i = 0; i < text.Length; i++)
        {
            span[i] = (byte)text[i];
        }

        w.Advance(text.Length);
    }

    private static void Put(PooledBufferWriter w, byte b)
    {
        w.GetSpan(1)[0] = b;
        w.Advance(1);
    }
}
