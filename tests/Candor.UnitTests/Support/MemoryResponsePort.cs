using System.IO.Pipelines;
using Candor.Core.Relay;

namespace Candor.UnitTests.Support;

/// <summary>An in-memory <see cref="ResponsePort"/>: the relay writes into a buffer; the response starts at its first
/// flush, as on a real server, after which status and headers are frozen (a late change throws, so a test catches it).</summary>
internal sealed class MemoryResponsePort : ResponsePort
{
    private readonly MemoryStream _body = new();
    private readonly Dictionary<string, string> _headers = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, string> _requestHeaders = new(StringComparer.OrdinalIgnoreCase);
    private readonly CancellationTokenSource _aborted = new();
    private readonly PipeWriter _writer;
    private int _status = 200;

    public MemoryResponsePort() => _writer = new StartingWriter(this, PipeWriter.Create(_body, new StreamPipeWriterOptions(leaveOpen: true)));

    public override int StatusCode
    {
        get => _status;
        set
        {
            ThrowIfStarted();
            _status = value;
        }
    }

    public override bool HasStarted => Flushes > 0;

    public override PipeWriter Body => _writer;

    public override CancellationToken Aborted => _aborted.Token;

    /// <summary>How many flushes reached the client.</summary>
    public int Flushes { get; private set; }

    /// <summary>The response headers.</summary>
    public IReadOnlyDictionary<string, string> Headers => _headers;

    /// <summary>Request headers the relay may read.</summary>
    public IDictionary<string, string> RequestHeaders => _requestHeaders;

    /// <summary>The body flushed so far, as text.</summary>
    public string Text => System.Text.Encoding.UTF8.GetString(_body.ToArray());

    /// <summary>The client goes away.</summary>
    public void Abort() => _aborted.Cancel();

    /// <summary>The body flushed so far, as bytes.</summary>
    public byte[] Bytes => _body.ToArray();

    /// <summary>True once the relay aborted the exchange (a binary answer broken after its commit).</summary>
    public bool ExchangeAborted { get; private set; }

    public override void AbortExchange() => ExchangeAborted = true;

    public override void SetHeader(string name, string value)
    {
        ThrowIfStarted();
        _headers[name] = value;
    }

    public override void RemoveHeader(string name)
    {
        ThrowIfStarted();
        _headers.Remove(name);
    }

    public override string? RequestHeader(string name) => _requestHeaders.TryGetValue(name, out var value) && value.Length > 0 ? value : null;

    private void ThrowIfStarted()
    {
        if (HasStarted)
        {
            throw new InvalidOperationException("The response has started: status and headers are sent.");
        }
    }

    /// <summary>Counts flushes (the first one starts the response) around the stream's writer.</summary>
    private sealed class StartingWriter(MemoryResponsePort port, PipeWriter inner) : PipeWriter
    {
        public override void Advance(int bytes) => inner.Advance(bytes);

        public override Memory<byte> GetMemory(int sizeHint = 0) => inner.GetMemory(sizeHint);

        public override Span<byte> GetSpan(int sizeHint = 0) => inner.GetSpan(sizeHint);

        public override void CancelPendingFlush() => inner.CancelPendingFlush();

        public override void Complete(Exception? exception = null) => inner.Complete(exception);

        public override async ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var result = await inner.FlushAsync(cancellationToken).ConfigureAwait(false);
            port.Flushes++;
            return result;
        }
    }
}
