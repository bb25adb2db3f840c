using System.Net.Http.Headers;
using Candor.Core.Accounting;
using Candor.Core.Relay;
using Candor.Core.Routing;
using Candor.Protocols.Canonical;

namespace Candor.Core.Audit;

/// <summary>Sends one probe to a channel through its provider adapter (the same URL, auth and wire as client
/// requests, but outside admission, billing and routing) and reduces the answer to a <see cref="ProbeAnswer"/>.
/// Expected failures (status, timeout, an answer over <c>server.max_upstream_response_bytes</c>, malformed body: every
/// failure <see cref="UpstreamCall"/> classifies) return null; the round counts them as unanswered.</summary>
internal static class ProbeSender
{
    public static async Task<ProbeAnswer?> SendAsync(
        ChannelRuntime channel, string model, Probe probe, int stratum, double temperature, TokenCounter counter, long responseLimit,
        CancellationToken cancellationToken)
    {
        var request = new ChatRequest
        {
            Model = model,
            MaxOutputTokens = probe.MaxTokens,
            Temperature = temperature,
            Stream = false,
            SourceProtocol = channel.Adapter.Protocol,
        };
        request.Messages.Add(ChatMessage.Text(ChatRole.User, probe.Prompt));
        if (channel.Adapter.CheckSupported(request) is not null)
        {
            return null;
        }

        using var upstream = channel.Adapter.CreateChatRequest(channel.Settings, model, request);
        upstream.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        using var timer = UpstreamCall.StartTimer(channel.Settings.FirstByteTimeout, cancellationToken);
        var (response, _) = await UpstreamCall.SendAsync(channel, upstream, timer, cancellationToken).ConfigureAwait(false);
        if (response is null)
        {
            cancellationToken.ThrowIfCancellationRequested();
            return null;
        }

        var events = new List<ChatEvent>();
        using (response)
        {
            var (body, _) = await UpstreamCall.ReadJsonAsync(response, timer, channel.Settings.IdleTimeout, responseLimit, cancellationToken).ConfigureAwait(false);
            if (body is null)
            {
                cancellationToken.ThrowIfCancellationRequested();
                return null;
            }

            using (body)
            {
                try
                {
                    channel.Adapter.CreateDecoder(channel.Settings).DecodeResponse(body.WrittenSpan, events);
                }
                catch (Exception e) when (UpstreamCall.IsReadFailure(e))
                {
                    return null;
                }
            }
        }

        var accumulator = new ChatResponseAccumulator();
        foreach (var ev in events)
        {
            accumulator.Add(ev);
        }

        var answer = accumulator.Response;
        var choice = answer.Choices.Count > 0 ? answer.Choices[0] : null;
        var text = choice is null ? string.Empty : string.Concat(choice.Parts.OfType<TextPart>().Select(static p => p.Text));
        return new ProbeAnswer(
            stratum,
            text,
            counter.Count(model, text),
            answer.Usage?.OutputTokens,
            answer.Model,
            choice?.FinishReason == FinishReason.MaxTokens);
    }
}
