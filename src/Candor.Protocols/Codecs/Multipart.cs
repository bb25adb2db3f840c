using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Text;
using Candor.Protocols.Canonical;

namespace Candor.Protocols.Codecs;

/// <summary><c>multipart/form-data</c> (RFC 7578 over RFC 2046) in both directions: a client body split into its parts
/// where it lies (each part's bytes are a slice of the body, nothing is copied), and parts written into a pooled buffer
/// for the upstream. Only what form uploads use is read: <c>Content-Disposition</c> (<c>name</c>, <c>filename</c>) and
/// <c>Content-Type</c>; other part headers are ignored, a preamble and an epilogue are skipped.</summary>
public static class Multipart
{
    private static ReadOnlySpan<byte> Crlf => "\r\n"u8;

    /// <summary>The boundary parameter of a <c>multipart/form-data</c> content type; false for any other type or a
    /// boundary RFC 2046 does not allow (empty, longer than 70 characters).</summary>
    public static bool TryBoundary(string? contentType, [NotNullWhen(true)] out string? boundary)
    {
        boundary = null;
        if (contentType is null)
        {
            return false;
        }

        var pieces = contentType.Split(';', StringSplitOptions.TrimEntries);
        if (!pieces[0].Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        foreach (string piece in pieces.AsSpan(1))
        {
            if (piece.StartsWith("boundary=", StringComparison.OrdinalIgnoreCase))
            {
                string value = piece["boundary=".Length..].Trim('"');
                if (value.Length is > 0 and <= 70)
                {
                    boundary = value;
                    return true;
                }
            }
        }

        return false;
    }

    /// <summary>Splits <paramref name="body"/> into its parts; false with a message (naming no content) when it is not a
    /// well-formed form: no opening delimiter, a part without a <c>form-data</c> disposition or name, no closing
    /// delimiter, or more than <paramref name="maxParts"/> parts.</summary>
    public static bool TryParse(ReadOnlyMemory<byte> body, string boundary, int maxParts, [NotNullWhen(true)] out List<MultipartPart>? parts,
        [NotNullWhen(false)] out string? error)
    {
        ArgumentNullException.ThrowIfNull(boundary);
        parts = null;
        byte[] delimiter = Encoding.ASCII.GetBytes("--" + boundary);
        var span = body.Span;
        int at = span.StartsWith(delimiter) ? 0 : IndexOf(span, 0, [.. Crlf, .. delimiter]) is int p and >= 0 ? p + 2 : -1;
        if (at < 0)
        {
            error = "The multipart body does not start with its boundary.";
            return false;
        }

        var found = new List<MultipartPart>();
        byte[] next = [.. Crlf, .. delimiter];
        while (true)
        {
            at += delimiter.Length;
            if (span[at..].StartsWith("--"u8))
            {
                parts = found;
                error = null;
                return true;
            }

            // Transport padding (spaces and tabs) may follow a delimiter before its line break.
            while (at < span.Length && span[at] is (byte)' ' or (byte)'\t')
            {
                at++;
            }

            if (!span[at..].StartsWith(Crlf))
            {
                error = "The multipart body is cut or malformed after a boundary.";
                return false;
            }

            at += 2;
            int headersEnd = IndexOf(span, at, "\r\n\r\n"u8);
            bool noHeaders = span[at..].StartsWith(Crlf);
            if (headersEnd < 0 && !noHeaders)
            {
                error = "A part of the multipart body has no end of headers.";
                return false;
            }

            string? name = null, fileName = null, contentType = null;
            int dataStart;
            if (noHeaders)
            {
                dataStart = at + 2;
            }
            else
            {
                foreach (string line in Encoding.UTF8.GetString(span[at..headersEnd]).Split("\r\n"))
                {
                    int colon = line.IndexOf(':', StringComparison.Ordinal);
                    if (colon <= 0)
                    {
                        continue;
                    }

                    string header = line[..colon].Trim(), value = line[(colon + 1)..].Trim();
                    if (header.Equals("Content-Disposition", StringComparison.OrdinalIgnoreCase))
                    {
                        if (!value.StartsWith("form-data", StringComparison.OrdinalIgnoreCase))
                        {
                            error = "A part of the multipart body is not form-data.";
                            return false;
                        }

                        name = Parameter(value, "name");
                        fileName = Parameter(value, "filename");
                    }
                    else if (header.Equals("Content-Type", StringComparison.OrdinalIgnoreCase))
                    {
                        contentType = value;
                    }
                }

                dataStart = headersEnd + 4;
            }

            if (string.IsNullOrEmpty(name))
            {
                error = "A part of the multipart body has no Content-Disposition name.";
                return false;
            }

            int dataEnd = IndexOf(span, dataStart, next);
            if (dataEnd < 0)
            {
                error = "The multipart body has no closing boundary.";
                return false;
            }

            if (found.Count == maxParts)
            {
                error = $"The multipart body has more than {maxParts} parts.";
                return false;
            }

            found.Add(new MultipartPart(name, fileName, contentType, body[dataStart..dataEnd]));
            at = dataEnd + 2;
        }
    }

    /// <summary>Writes <paramref name="parts"/> as a form with <paramref name="boundary"/> (which must occur in no part's
    /// bytes; a random one of 32 hex digits does not in practice). Names and file names are escaped as browsers do
    /// (<c>"</c>, CR and LF percent-encoded).</summary>
    public static void Write(IEnumerable<MultipartPart> parts, string boundary, IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(parts);
        ArgumentNullException.ThrowIfNull(output);
        foreach (var part in parts)
        {
            var head = new StringBuilder("--").Append(boundary).Append("\r\nContent-Disposition: form-data; name=\"").Append(Escape(part.Name)).Append('"');
            if (part.FileName is { } file)
            {
                head.Append("; filename=\"").Append(Escape(file)).Append('"');
            }

            head.Append("\r\n");
            if (part.ContentType is { } type)
            {
                head.Append("Content-Type: ").Append(type.Replace("\r", "", StringComparison.Ordinal).Replace("\n", "", StringComparison.Ordinal)).Append("\r\n");
            }

            head.Append("\r\n");
            Encoding.UTF8.GetBytes(head.ToString(), output);
            output.Write(part.Data.Span);
            output.Write(Crlf);
        }

        Encoding.UTF8.GetBytes("--" + boundary + "--\r\n", output);
    }

    /// <summary>A fresh boundary: <c>candor-</c> and 32 random hex digits.</summary>
    public static string NewBoundary() => "candor-" + System.Security.Cryptography.RandomNumberGenerator.GetHexString(32, lowercase: true);

    private static string Escape(string value) =>
        value.Replace("\"", "%22", StringComparison.Ordinal).Replace("\r", "%0D", StringComparison.Ordinal).Replace("\n", "%0A", StringComparison.Ordinal);

    /// <summary>A parameter of a header value (<c>name="file"</c> or <c>name=file</c>); null when absent.</summary>
    private static string? Parameter(string value, string parameter)
    {
        foreach (string piece in value.Split(';', StringSplitOptions.TrimEntries))
        {
            int eq = piece.IndexOf('=', StringComparison.Ordinal);
            if (eq > 0 && piece[..eq].Trim().Equals(parameter, StringComparison.OrdinalIgnoreCase))
            {
                string v = piece[(eq + 1)..].Trim();
                return v.Length >= 2 && v[0] == '"' && v[^1] == '"' ? v[1..^1].Replace("\\\"", "\"", StringComparison.Ordinal) : v;
            }
        }

        return null;
    }

    private static int IndexOf(ReadOnlySpan<byte> span, int from, ReadOnlySpan<byte> value)
    {
        if (from > span.Length)
        {
            return -1;
        }

        int i = span[from..].IndexOf(value);
        return i < 0 ? -1 : from + i;
    }
}
