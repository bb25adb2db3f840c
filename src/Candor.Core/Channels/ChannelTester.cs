using System.Diagnostics;
using Candor.Core.Relay;
using Candor.Core.Routing;
using Candor.Protocols.Canonical;
using Candor.Protocols.Codecs;

namespace Candor.Core.Channels;

/// <summary>Sends one tiny chat request ("Reply with OK", at most 16 output tokens, not streamed) to a channel
/// through its adapter and reports latency, status, the served model and a failure class. The upstream's error body
/// is read only to classify it; it is never returned or logged.</summary>
internal static class ChannelTester
{
    /// <summary>Tests <paramref name="channel"/> with <paramref name="upstreamModel"/> through <see cref="UpstreamCall"/>: the
    /// first byte within the channel's first-byte timeout, the answer within its idle timeout and at most
    /// <paramref name="responseLimit"/> bytes (<c>server.max_upstream_response_bytes</c>); cancelled by
    /// <paramref name="cancellationToken"/>.</summary>
    public static async Task<ChannelTestResult> RunAsync(ChannelRuntime channel, string upstreamModel, long responseLimit, CancellationToken cancellationToken)
    {
        var request = new ChatRequest { Model = upstreamModel, MaxOutputTokens = 16, Stream = false };
        request.Messages.Add(ChatMessage.Text(ChatRole.User, "Reply with OK."));
        var settings = channel.Settings;
        var adapter = channel.Adapter;
        if (adapter.CheckSupported(request) is { } unsupported)
        {
            return new ChannelTestResult(false, upstreamModel, 0, null, null, "unsupported", unsupported.Message);
        }

        using var timer = UpstreamCall.StartTimer(settings.FirstByteTimeout, cancellationToken);
        long started = Stopwatch.GetTimestamp();
        long Elapsed() => (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        using var message = adapter.CreateChatRequest(settings, upstreamModel, request);
        var (response, failure, status) = await UpstreamCall.SendAsync(channel, message, timer, cancellationToken).ConfigureAwait(false);
        if (response is null)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var error = failure.Error!;
            return new ChannelTestResult(false, upstreamModel, Elapsed(), status, null,
                status is { } s ? Classify(s, error.Kind) : failure.Failure == UpstreamFailure.Timeout ? "timeout" : "connect", error.Message);
        }

        using (response)
        {
            var (body, failed) = await UpstreamCall.ReadJsonAsync(response, timer, settings.IdleTimeout, responseLimit, cancellationToken).ConfigureAwait(false);
            if (body is null)
            {
                cancellationToken.ThrowIfCancellationRequested();
                return new ChannelTestResult(false, upstreamModel, Elapsed(), status, null,
                    failed.Failure == UpstreamFailure.Timeout ? "timeout" : "malformed", failed.Error!.Message);
            }

            long latency = Elapsed();
            var events = new List<ChatEvent>();
            using (body)
            {
                try
                {
                    adapter.CreateDecoder(settings).DecodeResponse(body.WrittenSpan, events);
                }
                catch (Exception e) when (UpstreamCall.IsReadFailure(e))
                {
                    return new ChannelTestResult(false, upstreamModel, latency, status, null, "malformed", "The upstream's answer is not valid for its protocol.");
                }
            }

            var accumulator = new ChatResponseAccumulator();
            foreach (var ev in events)
            {
                if (ev is StreamFailed streamFailed)
                {
                    return new ChannelTestResult(false, upstreamModel, latency, status, null, Classify(status!.Value, streamFailed.Error.Kind), streamFailed.Error.Message);
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
