using System.Diagnostics;
using Candor.Core.Admission;
using Candor.Protocols.Canonical;

namespace Candor.Core.Relay;

/// <summary>The request as every stage sees it: the id, the start time, the caller, the client's cancellation, the
/// meter, the receipt and the history capture, and the response headers the stages decide on. Those headers are pending
/// until <see cref="Commit"/>: the one place where the status is set and they reach the <see cref="ResponsePort"/>,
/// just before the first byte goes out.</summary>
internal sealed class RelayContext
{
    private List<KeyValuePair<string, string>>? _pending;
    private bool _committed;

    public RelayContext(ResponsePort port, string surfaceName)
    {
        ArgumentNullException.ThrowIfNull(port);
        Port = port;
        SurfaceName = surfaceName;
        StartTimestamp = Stopwatch.GetTimestamp();
        RequestId = NewId();

        // The id goes on the response at once, not at commit: an answer the server writes before the relay (401, 429,
        // 413) carries it too, and so does the log of an exception.
        port.SetHeader(RelayHeaders.RequestId, RequestId);
    }

    /// <summary>The HTTP exchange: the response the relay writes and the request headers it reads.</summary>
    public ResponsePort Port { get; }

    /// <summary>Who made the request, set by authentication; null before it (or for a request that has none).</summary>
    public Caller? Caller { get; set; }

    /// <summary>The key's rate lease taken before the body was read (concurrency and requests per minute), for
    /// <see cref="BillingGate"/> to add the request's tokens to; taken (set to null) by the gate.</summary>
    public RateLease? HeldRateLease { get; set; }

    public string SurfaceName { get; }

    public string RequestId { get; }

    public long StartTimestamp { get; }

    /// <summary>Time spent waiting on upstreams so far (ticks of <see cref="Stopwatch"/>).</summary>
    public long UpstreamTicks { get; set; }

    public CancellationToken Aborted => Port.Aborted;

    public string? ChannelId { get; set; }

    public string Path { get; set; } = "-";

    public int Attempts { get; set; }

    /// <summary>The metering of a billed request (stored keys only); null when the request is not billed.</summary>
    public RequestMeter? Meter { get; set; }

    /// <summary>The privacy policy in effect (server default narrowed by account and key), set at admission.</summary>
    public Privacy.PrivacyPolicy Privacy { get; set; } = Candor.Core.Privacy.PrivacyPolicy.Open;

    /// <summary>The request's receipt draft, opened by the endpoint once the body is read; null when receipts are off.</summary>
    public Receipts.ReceiptDraft? Receipt { get; set; }

    /// <summary>The fast path's forwarded body (the client's bytes with the model replaced) of the current attempt, for
    /// the receipt to hash before it is sent; cleared at the commit.</summary>
    internal ReadOnlyMemory<byte> ForwardedRaw { get; set; }

    /// <summary>The client's body, released at the commit: only an attempt forwards it, and no attempt follows the commit
    /// (its owner, the endpoint, releases it at the end too; the second release does nothing).</summary>
    internal RequestBytes? ClientBody { get; set; }

    /// <summary>The current attempt's forwarded copy of the body (the model replaced), released at the commit (the attempt
    /// that made it releases it when it ends too).</summary>
    internal RequestBytes? ForwardedBody { get; set; }

    /// <summary>The decoded request whose messages (the prompt's text) are dropped at the commit: what reads them — the
    /// attempts, the meter's prompt count at admission, the receipt's parameter check — is done by then. Null when the
    /// surface's encoder still reads the prompt after the commit (Anthropic's message_start counts it).</summary>
    internal ChatRequest? PromptDroppedAtCommit { get; set; }

    /// <summary>Where the response body is written: the client's body writer, through the receipt's hashing
    /// writer when there is a receipt. Flushes go to <see cref="ResponsePort.Body"/>.</summary>
    public System.Buffers.IBufferWriter<byte> Output => Receipt is { } r ? r.Output(Port.Body) : Port.Body;

    /// <summary>The account's opt-in history capture of this request; null (the default) when nothing is kept.</summary>
    public Privacy.HistoryCapture? History { get; set; }

    /// <summary>The privacy policy header's value as admission wrote it; the redaction stage appends its part.</summary>
    internal string? PrivacyPolicyHeader { get; set; }

    /// <summary>What redaction did to this request (counts per entity type, pseudonyms to restore); null when
    /// the policy redacts nothing. Receipts read the counts from here.</summary>
    public Privacy.Redaction.Redactor? Redactions { get; set; }

    /// <summary>When the response head was first committed (<see cref="Stopwatch.GetTimestamp"/>; its first byte goes
    /// out next); 0 before. The time-to-first-byte metric reads it.</summary>
    public long FirstByteTimestamp { get; private set; }

    /// <summary>Whether the response head (status and headers) is committed.</summary>
    public bool IsCommitted => _committed;

    /// <summary>Sets (replaces) a response header. It is pending until <see cref="Commit"/>; once committed, it goes to the
    /// port directly while the response has not started, and is dropped after.</summary>
    public void SetHeader(string name, string value)
    {
        if (_committed)
        {
            if (!Port.HasStarted)
            {
                Port.SetHeader(name, value);
            }

            return;
        }

        _pending ??= new List<KeyValuePair<string, string>>(12);
        for (int i = 0; i < _pending.Count; i++)
        {
            if (string.Equals(_pending[i].Key, name, StringComparison.OrdinalIgnoreCase))
            {
                _pending[i] = new(name, value);
                return;
            }
        }

        _pending.Add(new(name, value));
    }

    /// <summary>Withdraws a response header (pending, or set on the port while the response has not started).</summary>
    public void RemoveHeader(string name)
    {
        if (_committed)
        {
            if (!Port.HasStarted)
            {
                Port.RemoveHeader(name);
            }

            return;
        }

        _pending?.RemoveAll(h => string.Equals(h.Key, name, StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>Commits the response head: sets <paramref name="status"/> and <paramref name="contentType"/> and, the
    /// first time, every pending header. Called once the answer (or the error) is decided and before its first byte is
    /// written; a second call (an answer that turned into a 503 before its bytes went out) sets the status again.</summary>
    public void Commit(int status, string contentType)
    {
        Port.StatusCode = status;
        Port.SetHeader("content-type", contentType);
        if (_committed)
        {
            return;
        }

        _committed = true;
        FirstByteTimestamp = Stopwatch.GetTimestamp();
        ReleaseRequest();
        if (_pending is { } pending)
        {
            foreach (var (name, value) in pending)
            {
                Port.SetHeader(name, value);
            }

            // Headers set from now on go to the port: the list is not kept for the rest of a stream.
            _pending = null;
        }
    }

    /// <summary>From the commit on nothing forwards the request again (no failover after the first byte): an open stream
    /// keeps neither the client's body, nor the forwarded copy, nor the prompt's text for the rest of its life.</summary>
    private void ReleaseRequest()
    {
        ForwardedRaw = default;
        ClientBody?.Release();
        ClientBody = null;
        ForwardedBody?.Release();
        ForwardedBody = null;
        if (PromptDroppedAtCommit is { } request)
        {
            request.Messages.Clear();
            request.Messages.TrimExcess();
            PromptDroppedAtCommit = null;
        }
    }

    /// <summary>Milliseconds elapsed since the request arrived, less the time spent on upstreams.</summary>
    public double OverheadMilliseconds() =>
        Stopwatch.GetElapsedTime(StartTimestamp).TotalMilliseconds - Stopwatch.GetElapsedTime(0, UpstreamTicks).TotalMilliseconds;

    /// <summary>A time-ordered request id (<c>req_</c> and 28 hex digits): it keys the usage journal, whose index
    /// then grows at its right edge (<see cref="Accounts.EntityIds.NewOrdered"/>).</summary>
    private static string NewId() => Accounts.EntityIds.NewOrdered("req", DateTimeOffset.UtcNow);
}
