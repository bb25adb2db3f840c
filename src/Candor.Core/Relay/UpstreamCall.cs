using System.Text.Json;
using System.Net;
using Candor.Core.Receipts;
using Candor.Core.Routing;
using Candor.Protocols.Buffers;
using Candor.Protocols.Canonical;
using Candor.Protocols.Codecs;

namespace Candor.Core.Relay;

/// <summary>The one way Candor calls an upstream, shared by the relays, the health prober, the channel tester and the
/// audit probes: a timer armed with the first-byte timeout (capped by the request's deadline when there is one), the
/// send (<see cref="SendAsync"/>), a whole answer read under the idle timeout and bounded by
/// <c>server.max_upstream_response_bytes</c> (<see cref="ReadJsonAsync(HttpResponseMessage, PooledBufferWriter, CancellationTokenSource, TimeSpan, long)"/>),
/// and one classifier for every exception those can end with (<see cref="Classify"/>). Upstream error bodies are read
/// (bounded) only to learn the vendor's error type; they are never logged or relayed, since they may echo user content.</summary>
internal static class UpstreamCall
{
    private const int MaxErrorBody = 64 * 1024;

    /// <summary>A timer for one attempt, linked to <paramref name="aborted"/> and armed with <paramref name="firstByte"/>,
    /// or with <paramref name="remaining"/> (the time left before the request's deadline) when that is shorter. The idle
    /// timeout re-arms it once the answer has started (<see cref="IdleTimeoutStream"/>).</summary>
    public static CancellationTokenSource StartTimer(TimeSpan firstByte, CancellationToken aborted, TimeSpan? remaining = null)
    {
        var timer = CancellationTokenSource.CreateLinkedTokenSource(aborted);
        timer.CancelAfter(remaining is { } left && left < firstByte ? left : firstByte);
        return timer;
    }

    /// <summary>Sends <paramref name="request"/> under <paramref name="timer"/> and returns the response of a success
    /// status, or the classified failure (a connection error, the timer, an error status); <see cref="AttemptOutcome.Done"/>
    /// (no error) when <paramref name="clientAborted"/> ended it. With a <paramref name="receipt"/>, the upstream's status
    /// goes on it, and an error answer's body (as read, at most 64 KiB and one read) is hashed as the attempt's upstream
    /// bytes; the body itself is never kept.</summary>
    public static async Task<UpstreamResponse> SendAsync(
        ChannelRuntime channel, HttpRequestMessage request, CancellationTokenSource timer, CancellationToken clientAborted, ReceiptDraft? receipt = null)
    {
        var span = CandorTracing.StartUpstream(channel.Settings.Provider, channel.Settings.Id);
        HttpResponseMessage response;
        try
        {
            // An HttpMessageInvoker returns once the headers are read (the body is streamed), like HttpClient's ResponseHeadersRead.
            response = await channel.Client.SendAsync(request, timer.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (IsReadFailure(e))
        {
            CandorTracing.UpstreamEnded(span, null);
            return new(null, Classify(e, phase: null, clientAborted), null);
        }

        CandorTracing.UpstreamEnded(span, (int)response.StatusCode);
        if (receipt is not null)
        {
            receipt.UpstreamStatus = (int)response.StatusCode;
        }

        if (response.IsSuccessStatusCode)
        {
            return new(response, default, (int)response.StatusCode);
        }

        using (response)
        {
            string? vendorType = null;
            using var body = new PooledBufferWriter(4096);
            try
            {
                await ReadBoundedAsync(response.Content, body, MaxErrorBody, timer.Token).ConfigureAwait(false);
                vendorType = channel.Adapter.ReadErrorType(body.WrittenSpan);
            }
            catch (Exception e) when (IsReadFailure(e))
            {
                // The status alone classifies the failure.
            }
            finally
            {
                // What the upstream sent is on the receipt as a hash, whatever it said; a cut read hashes what arrived.
                receipt?.HashUpstream(body.WrittenSpan);
            }

            int status = (int)response.StatusCode;
            var error = UpstreamErrors.FromStatus(status, vendorType, RetryAfter(response));

            // 408/409/429/5xx/overloaded, a refused credential (the channel is disabled) and an unknown model
            // (a deployment's configuration) go to the next deployment; 400/413/422 would fail anywhere.
            return new(null, AttemptOutcome.Failed(error, FailureClassifier.FromStatus(status, error)), status);
        }
    }

    /// <summary>Reads a whole answer into <paramref name="output"/>: the first read under the timer as armed (first byte),
    /// every later one under <paramref name="idle"/>; fails with <see cref="UpstreamResponseTooLargeException"/> past
    /// <paramref name="limit"/> bytes. Exceptions are <see cref="IsReadFailure"/> ones, for <see cref="Classify"/>.</summary>
    public static async Task ReadJsonAsync(HttpResponseMessage response, PooledBufferWriter output, CancellationTokenSource timer, TimeSpan idle, long limit)
    {
        await using var stream = new IdleTimeoutStream(await response.Content.ReadAsStreamAsync(timer.Token).ConfigureAwait(false), timer, idle);
        await ReadBoundedAsync(stream, output, limit, timer.Token).ConfigureAwait(false);
    }

    /// <summary>Reads a whole answer as <see cref="ReadJsonAsync(HttpResponseMessage, PooledBufferWriter, CancellationTokenSource, TimeSpan, long)"/>
    /// does and returns it (the caller disposes it), or null with the classified failure
    /// (<see cref="AttemptOutcome.Done"/> when <paramref name="clientAborted"/> ended it).</summary>
    public static async ValueTask<(PooledBufferWriter? Body, AttemptOutcome Failure)> ReadJsonAsync(
        HttpResponseMessage response, CancellationTokenSource timer, TimeSpan idle, long limit, CancellationToken clientAborted)
    {
        var body = new PooledBufferWriter(8192);
        try
        {
            await ReadJsonAsync(response, body, timer, idle, limit).ConfigureAwait(false);
            return (body, default);
        }
        catch (Exception e) when (IsReadFailure(e))
        {
            body.Dispose();
            return (null, Classify(e, ReadingTheResponse, clientAborted));
        }
    }

    /// <summary>The phase of a whole answer's read, for <see cref="Classify"/>.</summary>
    public const string ReadingTheResponse = "while reading the response";

    /// <summary>Reads a body into <paramref name="output"/>, failing when it exceeds <paramref name="limit"/> bytes.</summary>
    public static async Task ReadBoundedAsync(HttpContent content, PooledBufferWriter output, long limit, CancellationToken cancellationToken)
    {
        await using var stream = await content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await ReadBoundedAsync(stream, output, limit, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Reads a stream into <paramref name="output"/>, failing with <see cref="UpstreamResponseTooLargeException"/> when it
    /// exceeds <paramref name="limit"/> bytes.</summary>
    public static async Task ReadBoundedAsync(Stream stream, PooledBufferWriter output, long limit, CancellationToken cancellationToken)
    {
        while (true)
        {
            var memory = output.GetMemory(8192);
            int n = await stream.ReadAsync(memory, cancellationToken).ConfigureAwait(false);
            if (n == 0)
            {
                return;
            }

            output.Advance(n);
            if (output.WrittenCount > limit)
            {
                throw new UpstreamResponseTooLargeException(limit);
            }
        }
    }

    /// <summary>True for the exceptions that calling an upstream and reading its answer can end with (timeouts through
    /// cancellation, refused or cut connections, bodies that are not the protocol); <see cref="Classify"/> maps them.
    /// Anything else is a bug and propagates.</summary>
    public static bool IsReadFailure(Exception e) =>
        e is OperationCanceledException or IOException or HttpRequestException or JsonException or InvalidDataException or FormatException;

    /// <summary>The one classifier of upstream exceptions (<see cref="IsReadFailure"/>): the client's error, the router's
    /// failure class and whether another deployment may be tried. <paramref name="phase"/> names what was being read
    /// ("while reading the response", "before the first event"…), or is null while sending (no response yet).
    /// <see cref="AttemptOutcome.Done"/> (no error) when <paramref name="clientAborted"/> ended it: nobody to answer.
    /// An answer over the response limit (a whole body, or one event of a stream) is the client's request asking for too
    /// much: not retried, not counted against the deployment (docs/routing.md).</summary>
    public static AttemptOutcome Classify(Exception e, string? phase, CancellationToken clientAborted) => e switch
    {
        OperationCanceledException when clientAborted.IsCancellationRequested => AttemptOutcome.Done,
        OperationCanceledException when phase is null =>
            AttemptOutcome.Failed(UpstreamErrors.Timeout("no response within the first-byte timeout"), UpstreamFailure.Timeout),
        OperationCanceledException => AttemptOutcome.Failed(UpstreamErrors.Timeout($"nothing arrived {phase} within the channel's timeout"), UpstreamFailure.Timeout),
        UpstreamResponseTooLargeException large => AttemptOutcome.Failed(UpstreamErrors.ResponseTooLarge(large.Limit), UpstreamFailure.ResponseTooLarge),
        HttpRequestException request when phase is null => AttemptOutcome.Failed(UpstreamErrors.Unavailable(Describe(request.HttpRequestError)), UpstreamFailure.Connect),
        IOException when phase is null => AttemptOutcome.Failed(UpstreamErrors.Unavailable(Describe(HttpRequestError.Unknown)), UpstreamFailure.Connect),
        IOException or HttpRequestException => AttemptOutcome.Failed(UpstreamErrors.Unavailable($"connection lost {phase}"), UpstreamFailure.ServerError),
        _ => AttemptOutcome.Failed(UpstreamErrors.Malformed(phase is null ? "invalid data" : $"invalid data {phase}"), UpstreamFailure.Malformed),
    };

    /// <summary>The error of <see cref="Classify"/>, or null when the client went away and there is nobody to answer.</summary>
    public static RelayError? ReadFailure(Exception e, string phase, CancellationToken clientAborted) => Classify(e, phase, clientAborted).Error;

    /// <summary><see cref="Classify"/> of a read failure before the first byte.</summary>
    public static AttemptOutcome FailedRead(Exception e, string phase, CancellationToken clientAborted) => Classify(e, phase, clientAborted);

    public static int? RetryAfter(HttpResponseMessage response)
    {
        var ra = response.Headers.RetryAfter;
        if (ra?.Delta is { } delta)
        {
            return (int)Math.Ceiling(delta.TotalSeconds);
        }

        if (ra?.Date is { } date)
        {
            return Math.Max(0, (int)Math.Ceiling((date - DateTimeOffset.UtcNow).TotalSeconds));
        }

        // Some providers send only the millisecond form (OpenAI retry-after-ms).
        if (response.Headers.TryGetValues("retry-after-ms", out var ms)
            && double.TryParse(ms.FirstOrDefault(), System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out double millis) && millis > 0)
        {
            return (int)Math.Ceiling(millis / 1000);
        }

        return null;
    }

    public static string Describe(HttpRequestError error) => error switch
    {
        HttpRequestError.NameResolutionError => "name resolution failed",
        HttpRequestError.ConnectionError => "connection failed",
        HttpRequestError.SecureConnectionError => "TLS handshake failed",
        HttpRequestError.ResponseEnded => "connection closed before a response",
        HttpRequestError.InvalidResponse => "invalid HTTP response",
        _ => "request failed",
    };

    public static bool IsJson(HttpResponseMessage response) =>
        MediaType(response).Contains("json", StringComparison.OrdinalIgnoreCase);

    public static bool IsEventStream(HttpResponseMessage response) =>
        MediaType(response).Equals("text/event-stream", StringComparison.OrdinalIgnoreCase);

    /// <summary>The media type of the answer's <c>Content-Type</c> (before any parameter, trimmed; empty without one),
    /// read from the header's text as received: the typed <c>ContentType</c> parses the header into a new
    /// <see cref="System.Net.Http.Headers.MediaTypeHeaderValue"/> under a lock of the header store, per request.</summary>
    internal static ReadOnlySpan<char> MediaType(HttpResponseMessage response)
    {
        if (response.Content.Headers.NonValidated.TryGetValues("Content-Type", out var values))
        {
            foreach (string value in values)
            {
                ReadOnlySpan<char> type = value;
                int parameters = type.IndexOf(';');
                return (parameters < 0 ? type : type[..parameters]).Trim();
            }
        }

        return [];
    }

    public static HttpStatusCode Status(RelayError error) => (HttpStatusCode)error.StatusCode;
}
