using System.Diagnostics;
using Microsoft.AspNetCore.Http;

namespace Candor.Core.Relay;

/// <summary>Per-request facts the stages share: the id, the start time, the client's cancellation.</summary>
public sealed class RelayContext
{
    public RelayContext(HttpContext http, string surfaceName)
    {
        Http = http;
        SurfaceName = surfaceName;
        StartTimestamp = Stopwatch.GetTimestamp();
        RequestId = NewId();
        http.Response.Headers[RelayHeaders.RequestId] = RequestId;
    }

    public HttpContext Http { get; }

    public string SurfaceName { get; }

    public string RequestId { get; }

    public long StartTimestamp { get; }

    /// <summary>Time spent waiting on upstreams so far (ticks of <see cref="Stopwatch"/>).</summary>
    public long UpstreamTicks { get; set; }

    public CancellationToken Aborted => Http.RequestAborted;

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
    /// writer when there is a receipt. Flushes go to <see cref="HttpResponse.BodyWriter"/>.</summary>
    public System.Buffers.IBufferWriter<byte> Output => Receipt is { } r ? r.Output(Http.Response.BodyWriter) : Http.Response.BodyWriter;

    /// <summary>The account's opt-in history capture of this request; null (the default) when nothing is kept.</summary>
    public Privacy.HistoryCapture? History { get; set; }

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
