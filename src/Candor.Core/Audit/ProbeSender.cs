using System.Net.Http.Headers;
using Candor.Core.Accounting;
using Candor.Core.Routing;
using Candor.Protocols.Buffers;
using Candor.Protocols.Canonical;

namespace Candor.Core.Audit;

/// <summary>Sends one probe to a channel through its provider adapter (the same URL, auth and wire as client
/// requests, but outside admission, billing and routing) and reduces the answer to a <see cref="ProbeAnswer"/>.
/// Expected failures (status, timeout, malformed body) return null; the round counts them as unanswered.</summary>
internal static class ProbeSender
{
    private const int MaxBody = 1024 * 1024;

    public static async Task<ProbeAnswer?> SendAsync(
        ChannelRuntime channel, string model, Probe probe, int stratum, double temperature, TokenCounter counter, CancellationToken cancellationToken)
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
        using var timer = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timer.CancelAfter(channel.Settings.FirstByteTimeout);
        try
        {
            using var response = await channel.Client.SendAsync(upstream, HttpCompletionOption.ResponseHeadersRead, timer.Token).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                return null;
            }

            using var body = new PooledBufferWriter(8 * 1024);
            await using (var stream = await response.Content.ReadAsStreamAsync(timer.Token).ConfigureAwait(false))
            {
                while (true)
                {
                    var memory = body.GetMemory(8 * 1024);
                    var read = await stream.ReadAsync(memory, timer.Token).ConfigureAwait(false);
                    if (read == 0)
                    {
                        break;
                    }

                    body.Advance(read);
                    if (body.WrittenCount > MaxBody)
                    {
                        return null;
                    }
                }
            }

            var events = new List<ChatEvent>();
            channel.Adapter.CreateDecoder(channel.Settings).DecodeResponse(body.WrittenSpan, events);
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
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return null;
        }
        catch (Exception e) when (e is HttpRequestException or IOException or System.Text.Json.JsonException)
        {
            return null;
        }
    }
}
