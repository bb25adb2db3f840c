using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Candor.Core.Receipts;

/// <summary>The JSON Canonicalization Scheme (RFC 8785): object members sorted by their names' UTF-16 code
/// units, no insignificant whitespace, strings with the minimal escapes, and numbers as ECMAScript's
/// <c>Number.prototype.toString</c> writes them. Receipts are signed over these bytes, so any party can
/// re-create them from the parsed JSON.</summary>
internal static class Jcs
{
    private static readonly UTF8Encoding StrictUtf8 = new(false, true);

    /// <summary>Canonicalizes the JSON text <paramref name="json"/> into <paramref name="output"/>.</summary>
    /// <exception cref="JsonException">The text is not JSON, or holds a number outside IEEE 754 double range.</exception>
    public static void Canonicalize(ReadOnlySpan<byte> json, IBufferWriter<byte> output)
    {
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Disallow });
        using var document = JsonDocument.ParseValue(ref reader);
        if (reader.Read())
        {
            throw new JsonException("Trailing content after the JSON value.");
        }

        Write(document.RootElement, output);
    }

    /// <summary>The canonical bytes of <paramref name="json"/>.</summary>
    public static byte[] Canonicalize(ReadOnlySpan<byte> json)
    {
        var buffer = new ArrayBufferWriter<byte>(json.Length);
        Canonicalize(json, buffer);
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Writes <paramref name="element"/> in canonical form.</summary>
    public static void Write(JsonElement element, IBufferWriter<byte> output)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                var members = new List<(string Name, JsonElement Value)>();
                foreach (var property in element.EnumerateObject())
                {
                    members.Add((property.Name, property.Value));
                }

                // Ordinal comparison of .NET strings compares UTF-16 code units, as RFC 8785 section 3.2.3 requires.
                members.Sort(static (a, b) => string.CompareOrdinal(a.Name, b.Name));
                Put(output, (byte)'{');
                for (int i = 0; i < members.Count; i++)
                {
                    if (i > 0)
                    {
                        Put(output, (byte)',');
                    }

                    WriteString(members[i].Name, output);
                    Put(output, (byte)':');
                    Write(members[i].Value, output);
                }

                Put(output, (byte)'}');
                break;
            case JsonValueKind.Array:
                Put(output, (byte)'[');
                bool first = true;
                foreach (var item in element.EnumerateArray())
                {
                    if (!first)
                    {
                        Put(output, (byte)',');
                    }

                    first = false;
                    Write(item, output);
                }

                Put(output, (byte)']');
                break;
            case JsonValueKind.String:
                WriteString(element.GetString()!, output);
                break;
            case JsonValueKind.Number:
                if (!element.TryGetDouble(out double d) || double.IsInfinity(d))
                {
                    throw new JsonException("A number is outside the IEEE 754 double range.");
                }

                WriteAscii(FormatNumber(d), output);
                break;
            case JsonValueKind.True:
                WriteAscii("true", output);
                break;
            case JsonValueKind.False:
                WriteAscii("false", output);
                break;
            default:
                WriteAscii("null", output);
                break;
        }
    }

    /// <summary>ECMAScript's Number.prototype.toString for a finite double (ECMA-262, Number::toString): the
    /// shortest digits that round-trip, in plain notation for exponents from -7 to 20 and in exponent notation
    /// (<c>1e+21</c>, <c>1e-7</c>) otherwise; negative zero is <c>0</c>.</summary>
    public static string FormatNumber(double value)
    {
        if (value == 0)
        {
            return "0";
        }

        if (!double.IsFinite(value))
        {
            throw new ArgumentOutOfRangeException(nameof(value), "JSON has no NaN or infinity.");
        }

        // "E16" is not shortest; "R" is (since .NET Core 3.0). Normalize it to digits and an exponent.
        string r = Math.Abs(value).ToString("R", CultureInfo.InvariantCulture);
        int e = r.IndexOfAny(['E', 'e']);
        string mantissa = e < 0 ? r : r[..e];
        int exponent = e < 0 ? 0 : int.Parse(r.AsSpan(e + 1), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
        int dot = mantissa.IndexOf('.', StringComparison.Ordinal);
        string digits = dot < 0 ? mantissa : mantissa.Remove(dot, 1);
        int pointAt = (dot < 0 ? mantissa.Length : dot) + exponent;

        // Strip leading zeros (0.001 → digits "0001") and trailing zeros (100 → "1", n = 3).
        int lead = 0;
        while (lead < digits.Length - 1 && digits[lead] == '0')
        {
            lead++;
        }

        digits = digits[lead..];
        pointAt -= lead;
        digits = digits.TrimEnd('0');
        int k = digits.Length;
        int n = pointAt;
        var sb = new StringBuilder(32);
        if (value < 0)
        {
            sb.Append('-');
        }

        if (k <= n && n <= 21)
        {
            sb.Append(digits).Append('0', n - k);
        }
        else if (0 < n && n <= 21)
        {
            sb.Append(digits, 0, n).Append('.').Append(digits, n, k - n);
        }
        else if (-6 < n && n <= 0)
        {
            sb.Append("0.").Append('0', -n).Append(digits);
        }
        else
        {
            sb.Append(digits[0]);
            if (k > 1)
            {
                sb.Append('.').Append(digits, 1, k - 1);
            }

            int exp = n - 1;
            sb.Append('e').Append(exp >= 0 ? '+' : '-').Append(Math.Abs(exp).ToString(CultureInfo.InvariantCulture));
        }

        return sb.ToString();
    }

    /// <summary>A string with RFC 8785's escapes: <c>\"</c>, <c>\\</c>, <c>\b \f \n \r \t</c>, other controls as
    /// <c>\u00xx</c> (lower-case hex); everything else as UTF-8.</summary>
    public static void WriteString(string value, IBufferWriter<byte> output)
    {
        Put(output, (byte)'"');
        int start = 0;
        for (int i = 0; i < value.Length; i++)
        {
            char c = value[i];
            if (c >= 0x20 && c != '"' && c != '\\')
            {
                continue;
            }

            WriteUtf8(value.AsSpan(start, i - start), output);
            start = i + 1;
            switch (c)
            {
                case '"': WriteAscii("\\\"", output); break;
                case '\\': WriteAscii("\\\\", output); break;
                case '\b': WriteAscii("\\b", output); break;
                case '\f': WriteAscii("\\f", output); break;
                case '\n': WriteAscii("\\n", output); break;
                case '\r': WriteAscii("\\r", output); break;
                case '\t': WriteAscii("\\t", output); break;
                default: WriteAscii("\\u00" + ((int)c).ToString("x2", CultureInfo.InvariantCulture), output); break;
            }
        }

        WriteUtf8(value.AsSpan(start), output);
        Put(output, (byte)'"');
    }

    private static void WriteUtf8(ReadOnlySpan<char> text, IBufferWriter<byte> output)
    {
        if (text.IsEmpty)
        {
            return;
        }

        // Lone surrogates are not valid I-JSON; the strict encoder refuses them.
        int max = StrictUtf8.GetMaxByteCount(text.Length);
        var span = output.GetSpan(max);
        output.Advance(StrictUtf8.GetBytes(text, span));
    }

    private static void WriteAscii(string text, IBufferWriter<byte> output)
    {
        var span = output.GetSpan(text.Length);
        for (int i = 0; i < text.Length; i++)
        {
            span[i] = (byte)text[i];
        }

        output.Advance(text.Length);
    }

    private static void Put(IBufferWriter<byte> output, byte b)
    {
        output.GetSpan(1)[0] = b;
        output.Advance(1);
    }
}
