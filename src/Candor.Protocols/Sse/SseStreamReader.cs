using System.Buffers;
using System.IO.Pipelines;
using System.Runtime.CompilerServices;

namespace Candor.Protocols.Sse;

/// <summary>Reads server-sent events from a stream as they arrive, without holding more than the event
/// under construction and the unparsed tail of the last read.</summary>
public sealed class SseStreamReader : IAsyncDisposable
{
    private readonly PipeReader _reader;
    private readonly SseParser _parser;
    private ReadOnlySequence<byte> _pending;
    private bool _hasPending;
    private bool _completed;

    public SseStreamReader(Stream stream, int maxEventBytes = SseParser.DefaultMaxEventBytes)
    {
        _reader = PipeReader.Create(stream, new StreamPipeReaderOptions(bufferSize: 4096, minimumReadSize: 1024, leaveOpen: true, useZeroByteReads: true));
        _parser = new SseParser(maxEventBytes);
    }

    /// <summary>Returns the next event, or null at the end of the stream. The event's data stays valid
    /// until the next call.</summary>
    /// <remarks>Called once per event of every open stream: a read that waits reuses a pooled state machine instead
    /// of allocating one (await the result once, as for any ValueTask).</remarks>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<SseEvent?> ReadAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            if (_hasPending)
            {
                var buffer = _pending;
                bool got = _parser.TryParse(ref buffer, _completed, out var ev);
                if (got)
                {
                    _pending = buffer;
                    return ev;
                }

                _reader.AdvanceTo(buffer.Start, buffer.End);
                _hasPending = false;
                if (_completed)
                {
                    return null;
                }
            }

            // Between events, while the upstream is silent, the stream holds no buffer: the pipe waits with a
            // zero-byte read and the parser gives its data buffer back to the pool (one per open stream).
            var read = _reader.ReadAsync(cancellationToken);
            if (!read.IsCompleted)
            {
                _parser.ReleaseBuffer();
            }

            var result = await read.ConfigureAwait(false);
            _pending = result.Buffer;
            _hasPending = true;
            _completed = result.IsCompleted;
        }
    }

    public async ValueTask DisposeAsync()
    {
        _parser.Dispose();
        await _reader.CompleteAsync().ConfigureAwait(false);
    }
}
