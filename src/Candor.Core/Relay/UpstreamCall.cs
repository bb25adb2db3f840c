using System.Text.Json;
using System.Net;
using Candor.Core.Routing;
using Candor.Protocols.Buffers;
using Candor.Protocols.Canonical;
using Candor.Protocols.Codecs;

namespace Candor.Core.Relay;

/// <summary>Sends one request to an upstream and classifies the failures every endpoint shares:
/// connection errors, first-byte timeouts and error statuses. Upstream error bodies are read (bounded)
/// only to learn the vendor's error type; they are never logged or relayed, since they may echo user content.</summary>
internal static class UpstreamCall
{
    private const int MaxErrorBody = 64 * 1024;

    public static async Task<(HttpResponseMessage? Response, AttemptOutcome Failure)> SendAsync(
        ChannelRuntime channel, HttpRequestMessage request, CancellationTokenSource timer, CancellationToken clientAborted)
    {
        HttpResponseMessage response;
        try
        {
            response = await channel.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timer.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!clientAborted.IsCancellationRequested)
        {
            return (null, AttemptOutcome.Failed(UpstreamErrors.Timeout("no response within the first-byte timeout"), UpstreamFailure.Timeout));
        }
        catch (OperationCanceledException)
        {
            return (null, AttemptOutcome.Done);
        }
        catch (HttpRequestException e)
        {
            return (null, AttemptOutcome.Failed(UpstreamErrors.Unavailable(Describe(e.HttpRequestError)), UpstreamFailure.Connect));
        }

        if (response.IsSuccessStatusCode)
        {
            return (response, default);
        }

        using (response)
        {
            string? vendorType = null;
            try
            {
                using var body = new PooledBufferWriter(4096);
                await ReadBoundedAsync(response.Content, body, MaxErrorBody, timer.Token).ConfigureAwait(false);
                vendorType = channel.Adapter.ReadErrorType(body.WrittenSpan);
            }
            catch (Exception e) when (e is IOException or HttpRequestException or OperationCanceledException or InvalidDataException or System.Text.Json.JsonException)
            {
                // The status alone classifies the failure.
            }

            int status = (int)response.StatusCode;
            var error = UpstreamErrors.FromStatus(status, vendorType, RetryAfter(response));

            // 408/409/429/5xx/overloaded, a refused credential (the channel is disabled) and an unknown model
            // (a deployment's configuration) go to the next deployment; 400/413/422 would fail anywhere.
            return (null, AttemptOutcome.Failed(error, FailureClassifier.FromStatus(status, error)));
        }
    }

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

    /// <summary>True for the exceptions that reading an upstream answer can end with (timeouts through
    /// cancellation, cut connections, bodies that are not the protocol).</summary>
    public static bool IsReadFailure(Exception e) =>
        e is OperationCanceledException or IOException or HttpRequestException or JsonException or InvalidDataException or FormatException;

    /// <summary>The error for a read failure <paramref name="phase"/> ("before the first event"…), or null
    /// when the client went away and there is nobody to answer.</summary>
    public static RelayError? ReadFailure(Exception e, string phase, CancellationToken clientAborted) => e switch
    {
        OperationCanceledException when clientAborted.IsCancellationRequested => null,
        OperationCanceledException => UpstreamErrors.Timeout($"nothing arrived {phase} within the channel's timeout"),
        UpstreamResponseTooLargeException large => UpstreamErrors.ResponseTooLarge(large.Limit),
        IOException or HttpRequestException => UpstreamErrors.Unavailable($"connection lost {phase}"),
        _ => UpstreamErrors.Malformed($"invalid data {phase}"),
    };

    /// <summary>The outcome of an attempt whose answer could not be read (<see cref="IsReadFailure"/>): retryable and
    /// counted against the deployment, except an answer over the response limit, which the client's own request
    /// caused (not retried, not counted: docs/routing.md); <see cref="AttemptOutcome.Done"/> when the client left.</summary>
    public static AttemptOutcome FailedRead(Exception e, string phase, CancellationToken clientAborted) =>
        ReadFailure(e, phase, clientAborted) is not { } error ? AttemptOutcome.Done
        : e is UpstreamResponseTooLargeException ? AttemptOutcome.Failed(error, UpstreamFailure.ResponseTooLarge)
        : AttemptOutcome.Failed(error, retryable: true);

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
        response.Content.Headers.ContentType?.MediaType is { } m && m.Contains("json", StringComparison.OrdinalIgnoreCase);

    public static bool IsEventStream(HttpResponseMessage response) =>
        string.Equals(response.Content.Headers.ContentType?.MediaType, "text/event-stream", StringComparison.OrdinalIgnoreCase);

    public static HttpStatusCode Status(RelayError error) => (HttpStatusCode)error.StatusCode;
}
