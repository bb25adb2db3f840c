using System.Buffers;

namespace Candor.Protocols.Sse;

/// <summary>Writes server-sent events. Data containing line breaks is split into several data lines so
/// that the reader reassembles it exactly.</summary>
public static class SseWriter
{
    /// <summary>Writes <c>event: name</c> (when given) and the data, then the blank line that dispatches.</summary>
    public static void WriteEvent(IBufferWriter<byte> output, ReadOnlySpan<byte> eventType, ReadOnlySpan<byte> data)
    {
        if (!eventType.IsEmpty)
        {
            Write(output, "event: "u8);
            Write(output, eventType);
            Write(output, "\n"u8);
        }

        while (true)
        {
            int nl = data.IndexOfAny((byte)'\n', (byte)'\r');
            Write(output, "data: "u8);
            if (nl < 0)
            {
                Write(output, data);
                Write(output, "\n"u8);
                break;
            }

            Write(output, data[..nl]);
            Write(output, "\n"u8);
            int skip = data[nl] == (byte)'\r' && nl + 1 < data.Length && data[nl + 1] == (byte)'\n' ? 2 : 1;
            data = data[(nl + skip)..];
        }

        Write(output, "\n"u8);
    }

    /// <summary>Writes an event whose type is a string (transcoded without allocating); null means no type.</summary>
    public static void WriteEvent(IBufferWriter<byte> output, string? eventType, ReadOnlySpan<byte> data)
    {
        if (eventType is null)
        {
            WriteEvent(output, ReadOnlySpan<byte>.Empty, data);
            return;
        }

        Span<byte> type = eventType.Length <= 64 ? stackalloc byte[System.Text.Encoding.UTF8.GetMaxByteCount(eventType.Length)] : new byte[System.Text.Encoding.UTF8.GetMaxByteCount(eventType.Length)];
        int n = System.Text.Encoding.UTF8.GetBytes(eventType, type);
        WriteEvent(output, type[..n], data);
    }

    /// <summary>Writes an upstream's event again as the upstream framed it: its type and data lines with the upstream's
    /// own line ending (the fast path relays Gemini's CRLF framing byte for byte). Comments, <c>id</c> and <c>retry</c>
    /// lines, which the relay does not repeat, are left out.</summary>
    public static void WriteRelayed(IBufferWriter<byte> output, in SseEvent ev)
    {
        ReadOnlySpan<byte> newline = ev.LineBreak switch
        {
            SseLineBreak.CrLf => "\r\n"u8,
            SseLineBreak.Cr => "\r"u8,
            _ => "\n"u8,
        };
        if (ev.EventType is { } type)
        {
            Write(output, "event: "u8);
            WriteUtf8(output, type);
            Write(output, newline);
        }

        // The parser joined the data lines with LF.
        var data = ev.Data.Span;
        while (true)
        {
            int nl = data.IndexOf((byte)'\n');
            Write(output, "data: "u8);
            Write(output, nl < 0 ? data : data[..nl]);
            Write(output, newline);
            if (nl < 0)
            {
                break;
            }

            data = data[(nl + 1)..];
        }

        Write(output, newline);
    }

    /// <summary>Writes a comment line (ignored by readers; keeps idle connections alive).</summary>
    public static void WriteComment(IBufferWriter<byte> output, ReadOnlySpan<byte> text)
    {
        Write(output, ": "u8);
        Write(output, text);
        Write(output, "\n\n"u8);
    }

    private static void WriteUtf8(IBufferWriter<byte> output, string text)
    {
        var span = output.GetSpan(System.Text.Encoding.UTF8.GetMaxByteCount(text.Length));
        output.Advance(System.Text.Encoding.UTF8.GetBytes(text, span));
    }

    private static void Write(IBufferWriter<byte> output, ReadOnlySpan<byte> bytes)
    {
        if (bytes.IsEmpty)
        {
            return;
        }

        var span = output.GetSpan(bytes.Length);
        bytes.CopyTo(span);
        output.Advance(bytes.Length);
    }
}
