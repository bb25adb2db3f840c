using System.Diagnostics;
using Candor.Core.Admission;

namespace Candor.Core.Relay;

/// <summary>Per-request facts the stages share: the id, the start time, the caller, the client's cancellation, and the
/// <see cref="ResponsePort"/> the answer goes to.</summary>
public sealed class RelayContext
{
    public RelayContext(ResponsePort port, string surfaceName)
    {
        ArgumentNullException.ThrowIfNull(port);
        Port = port;
        SurfaceName = surfaceName;
        StartTimestamp = Stopwatch.GetTimestamp();
        RequestId = NewId();
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

    /// <summary>The fast path's forwarded body (the client's bytes with the model replaced) of the current attempt.</summary>
    internal ReadOnlyMemory<byte> ForwardedRaw { get; set; }

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

    /// <summary>Milliseconds elapsed since the request arrived, less the time spent on upstreams.</summary>
    public double OverheadMilliseconds() =>
        Stopwatch.GetElapsedTime(StartTimestamp).TotalMilliseconds - Stopwatch.GetElapsedTime(0, UpstreamTicks).TotalMilliseconds;

    /// <summary>A time-ordered request id (<c>req_</c> and 28 hex digits): it keys the usage journal, whose index
    /// then grows at its right edge (<see cref="Accounts.EntityIds.NewOrdered"/>).</summary>
    private static string NewId() => Accounts.EntityIds.NewOrdered("req", DateTimeOffset.UtcNow);
}
