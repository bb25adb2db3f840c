using System.Buffers;
using System.Text;

namespace Candor.Protocols.Sse;

/// <summary>An incremental parser of the text/event-stream format (WHATWG HTML, "Server-sent events").
/// Lines end in CRLF, LF or CR; a blank line dispatches the event; lines starting with a colon are
/// comments; one space after the field colon is dropped. The parser keeps the event under construction
/// between calls, so the caller may hand it input split anywhere, and it consumes input line by line so
/// the caller can release what was consumed. An event larger than the limit is an error, never a buffer
/// that grows without bound.</summary>
public sealed class SseParser : IDisposable
{
    private const byte Lf = (byte)'\n';
    private const byte Cr = (byte)'\r';
    private const int MinimumBuffer = 4096;

    /// <summary>The event limit when none is given: 16 MiB.</summary>
    public const int DefaultMaxEventBytes = 16 * 1024 * 1024;

    private readonly int _maxEventBytes;
    private byte[] _data;
    private int _dataLength;
    private bool _hasData;
    private string? _eventType;
    private string? _id;
    private bool _started;
    private bool _skipLfAfterCr;
    private SseLineBreak _lineBreak;

    /// <param name="maxEventBytes">The largest event data accepted.</param>
    public SseParser(int maxEventBytes = DefaultMaxEventBytes)
    {
        _maxEventBytes = maxEventBytes;
        _data = [];
    }

    /// <summary>Returns the data buffer to the pool when no event is under construction, so that an idle
    /// stream holds none (a relay keeps one parser per open stream); the next data line rents it again.
    /// The data of the last event returned is no longer valid afterwards.</summary>
    public void ReleaseBuffer()
    {
        if (!_hasData)
        {
            Dispose();
        }
    }

    /// <summary>Parses input until one event is dispatched or no complete line remains.</summary>
    /// <param name="buffer">Input; advanced past every line consumed.</param>
    /// <param name="isFinalBlock">True when no more input will come: a last line without terminator is
    /// taken as complete, but a pending event without its blank line is dropped, as the spec says.</param>
    /// <param name="ev">The event, valid until the next call.</param>
    /// <returns>True when an event was dispatched.</returns>
    /// <exception cref="InvalidDataException">The event exceeds the size limit.</exception>
    public bool TryParse(ref ReadOnlySequence<byte> buffer, bool isFinalBlock, out SseEvent ev)
    {
        while (true)
        {
            if (_skipLfAfterCr)
            {
                if (buffer.IsEmpty)
                {
                    break;
                }

                if (buffer.FirstSpan[0] == Lf)
                {
                    buffer = buffer.Slice(1);

                    // The CR that ended the last line was the first half of a CRLF split between two reads.
                    if (_lineBreak == SseLineBreak.Cr)
                    {
                        _lineBreak = SseLineBreak.CrLf;
                    }
                }

                _skipLfAfterCr = false;
            }

            if (!TryReadLine(ref buffer, isFinalBlock, out var line, out bool endedWithCr, out var lineBreak))
            {
                break;
            }

            _skipLfAfterCr = endedWithCr;
            if (!line.IsEmpty)
            {
                // The event keeps the line ending its upstream used (Gemini writes CRLF), so a relay can repeat its framing.
                _lineBreak = lineBreak;
            }

            if (ProcessLine(line, out ev))
            {
                return true;
            }
        }

        ev = default;
        return false;
    }

    private static bool TryReadLine(ref ReadOnlySequence<byte> buffer, bool isFinalBlock, out ReadOnlySequence<byte> line, out bool endedWithCr, out SseLineBreak lineBreak)
    {
        var reader = new SequenceReader<byte>(buffer);
        if (reader.TryAdvanceToAny("\r\n"u8, advancePastDelimiter: false))
        {
            var end = reader.Position;
            reader.TryRead(out byte terminator);
            line = buffer.Slice(0, end);
            endedWithCr = terminator == Cr;
            lineBreak = endedWithCr ? SseLineBreak.Cr : SseLineBreak.Lf;
            if (endedWithCr && reader.TryPeek(out byte next) && next == Lf)
            {
                reader.Advance(1);
                endedWithCr = false;
                lineBreak = SseLineBreak.CrLf;
            }

            buffer = buffer.Slice(reader.Position);
            return true;
        }

        lineBreak = SseLineBreak.Lf;
        if (isFinalBlock && !buffer.IsEmpty)
        {
            line = buffer;
            buffer = buffer.Slice(buffer.End);
            endedWithCr = false;
            return true;
        }

        line = default;
        endedWithCr = false;
        return false;
    }

    private bool ProcessLine(ReadOnlySequence<byte> lineSeq, out SseEvent ev)
    {
        ev = default;
        ReadOnlySpan<byte> line = lineSeq.IsSingleSegment ? lineSeq.FirstSpan : lineSeq.ToArray();
        if (!_started)
        {
            _started = true;
            if (line.StartsWith("\xEF\xBB\xBF"u8))
            {
                line = line[3..];
            }
        }

        if (line.IsEmpty)
        {
            return Dispatch(out ev);
        }

        if (line[0] == (byte)':')
        {
            return false;
        }

        int colon = line.IndexOf((byte)':');
        ReadOnlySpan<byte> field = colon < 0 ? line : line[..colon];
        ReadOnlySpan<byte> value = colon < 0 ? default : line[(colon + 1)..];
        if (!value.IsEmpty && value[0] == (byte)' ')
        {
            value = value[1..];
        }

        if (field.SequenceEqual("data"u8))
        {
            AppendData(value);
        }
        else if (field.SequenceEqual("event"u8))
        {
            _eventType = InternEventType(value);
        }
        else if (field.SequenceEqual("id"u8))
        {
            if (value.IndexOf((byte)0) < 0)
            {
                _id = Encoding.UTF8.GetString(value);
            }
        }

        // "retry" and unknown fields are ignored.
        return false;
    }

    private void AppendData(ReadOnlySpan<byte> value)
    {
        int needed = _dataLength + value.Length + (_hasData ? 1 : 0);
        if (needed > _maxEventBytes)
        {
            throw new Codecs.UpstreamResponseTooLargeException(_maxEventBytes);
        }

        if (needed > _data.Length)
        {
            var bigger = ArrayPool<byte>.Shared.Rent(Math.Max(needed, Math.Max(_data.Length * 2, MinimumBuffer)));
            _data.AsSpan(0, _dataLength).CopyTo(bigger);
            if (_data.Length > 0)
            {
                ArrayPool<byte>.Shared.Return(_data);
            }

            _data = bigger;
        }

        if (_hasData)
        {
            _data[_dataLength++] = Lf;
        }

        value.CopyTo(_data.AsSpan(_dataLength));
        _dataLength += value.Length;
        _hasData = true;
    }

    private bool Dispatch(out SseEvent ev)
    {
        if (!_hasData)
        {
            // An event with no data is not dispatched; its type resets.
            _eventType = null;
            ev = default;
            return false;
        }

        ev = new SseEvent(_eventType, _data.AsMemory(0, _dataLength), _id, _lineBreak);
        _eventType = null;
        _lineBreak = SseLineBreak.Lf;
        _dataLength = 0;
        _hasData = false;
        return true;
    }

    private static string InternEventType(ReadOnlySpan<byte> value) => value switch
    {
        _ when value.SequenceEqual("message_start"u8) => "message_start",
        _ when value.SequenceEqual("content_block_start"u8) => "content_block_start",
        _ when value.SequenceEqual("content_block_delta"u8) => "content_block_delta",
        _ when value.SequenceEqual("content_block_stop"u8) => "content_block_stop",
        _ when value.SequenceEqual("message_delta"u8) => "message_delta",
        _ when value.SequenceEqual("message_stop"u8) => "message_stop",
        _ when value.SequenceEqual("ping"u8) => "ping",
        _ when value.SequenceEqual("error"u8) => "error",
        _ => Encoding.UTF8.GetString(value),
    };

    public void Dispose()
    {
        var data = _data;
        _data = [];
        if (data.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(data);
        }
    }
}
