using System.Diagnostics;
using Candor.Core.Relay;
using Candor.Core.Routing;
using Candor.Protocols.Buffers;
using Candor.Protocols.Canonical;
using Candor.Protocols.Codecs;

namespace Candor.Core.Channels;

/// <summary>Sends one tiny chat request ("Reply with OK", at most 16 output tokens, not streamed) to a channel
/// through its adapter and reports latency, status, the served model and a failure class. The upstream's error body
/// is read only to classify it; it is never returned or logged.</summary>
public static class ChannelTester
{
    private const int MaxAnswerBytes = 1024 * 1024;

    /// <summary>Tests <paramref name="channel"/> with <paramref name="upstreamModel"/>; bounded by the channel's
    /// first-byte timeout (and <paramref name="cancellationToken"/>).</summary>
    public static async Task<ChannelTestResult> RunAsync(ChannelRuntime channel, string upstreamModel, CancellationToken cancellationToken)
    {
        var request = new ChatRequest { Model = upstreamModel, MaxOutputTokens = 16, Stream = false };
        request.Messages.Add(ChatMessage.Text(ChatRole.User, "Reply with OK."));
        var settings = channel.Settings;
        var adapter = channel.Adapter;
        if (adapter.CheckSupported(request) is { } unsupported)
        {
            return new ChannelTestResult(false, upstreamModel, 0, null, null, "unsupported", unsupported.Message);
        }

        using var timer = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timer.CancelAfter(settings.FirstByteTimeout);
        long started = Stopwatch.GetTimestamp();
        long Elapsed() => (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        using var message = adapter.CreateChatRequest(settings, upstreamModel, request);
        HttpResponseMessage response;
        try
        {
            response = await channel.Client.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, timer.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new ChannelTestResult(false, upstreamModel, Elapsed(), null, null, "timeout", "No response within the channel's first-byte timeout.");
        }
        catch (HttpRequestException e)
        {
            return new ChannelTestResult(false, upstreamModel, Elapsed(), null, null, "connect", $"The upstream could not be reached ({UpstreamCall.Describe(e.HttpRequestError)}).");
        }

        using (response)
        {
            int status = (int)response.StatusCode;
            using var body = new PooledBufferWriter(4096);
            try
            {
                await UpstreamCall.ReadBoundedAsync(response.Content, body, MaxAnswerBytes, timer.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (UpstreamCall.IsReadFailure(e))
            {
                return new ChannelTestResult(false, upstreamModel, Elapsed(), status, null,
                    e is OperationCanceledException ? "timeout" : "malformed", "The answer could not be read in full.");
            }

            long latency = Elapsed();
            if (!response.IsSuccessStatusCode)
            {
                string? vendorType = null;
                try
                {
                    vendorType = adapter.ReadErrorType(body.WrittenSpan);
                }
                catch (Exception e) when (e is System.Text.Json.JsonException or InvalidDataException or FormatException)
                {
                    // The status alone classifies the failure.
                }

                var error = UpstreamErrors.FromStatus(status, vendorType, UpstreamCall.RetryAfter(response));
                return new ChannelTestResult(false, upstreamModel, latency, status, null, Classify(status, error.Kind), error.Message);
            }

            var events = new List<ChatEvent>();
            try
            {
                adapter.CreateDecoder(settings).DecodeResponse(body.WrittenSpan, events);
            }
            catch (Exception e) when (e is System.Text.Json.JsonException or InvalidDataException or FormatException)
            {
                return new ChannelTestResult(false, upstreamModel, latency, status, null, "malformed", "The upstream's answer is not valid for its protocol.");
            }

            var accumulator = new ChatResponseAccumulator();
            foreach (var ev in events)
            {
                if (ev is StreamFailed failed)
                {
                    return new ChannelTestResult(false, upstreamModel, latency, status, null, Classify(status, failed.Error.Kind), failed.Error.Message);
                }

                accumulator.Add(ev);
            }

            return new ChannelTestResult(true, upstreamModel, latency, status, accumulator.Response.Model, null, null);
        }
    }

    private static string Classify(int status, RelayErrorKind kind) => status switch
    {
        401 or 403 => "auth",
        404 => "not_found",
        429 => "rate_limited",
        400 or 422 => "bad_request",
        _ => kind switch
        {
            RelayErrorKind.Overloaded => "overloaded",
            RelayErrorKind.UpstreamTimeout => "timeout",
            RelayErrorKind.RateLimited => "rate_limited",
            _ => "upstream_error",
        },
    };
}
