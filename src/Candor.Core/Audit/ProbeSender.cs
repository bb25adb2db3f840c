using System.Buffers;
using System.Net.Http.Headers;
using System.Text.Json;
using Candor.Core.Accounting;
using Candor.Core.Relay;
using Candor.Core.Routing;
using Candor.Protocols.Anthropic;
using Candor.Protocols.Canonical;
using Candor.Protocols.Codecs;
using Candor.Protocols.Sse;

namespace Candor.Core.Audit;

/// <summary>Sends one probe to a channel through its provider adapter (the same URL, auth and wire as client
/// requests, but outside admission, billing and routing) and reduces the answer to a <see cref="ProbeAnswer"/>.
/// Expected failures (status, timeout, an answer over <c>server.max_upstream_response_bytes</c>, malformed body: every
/// failure <see cref="UpstreamCall"/> classifies) return null; the round counts them as unanswered.</summary>
internal static class ProbeSender
{
    /// <summary>Sends <paramref name="probe"/> and returns its answer, or null when it went unanswered.</summary>
    public static async Task<ProbeAnswer?> SendAsync(
        ChannelRuntime channel, string model, Probe probe, int stratum, double temperature, TokenCounter counter, long responseLimit,
        CancellationToken cancellationToken)
    {
        var request = new ChatRequest
        {
            Model = model,
            MaxOutputTokens = probe.MaxTokens,
            Temperature = probe.Temperature ?? temperature,
            TopP = probe.TopP,
            Stream = probe.Stream,
            IncludeUsage = probe.Stream,
            SourceProtocol = channel.Adapter.Protocol,
        };
        if (probe.System is { } system)
        {
            request.Messages.Add(ChatMessage.Text(ChatRole.System, system));
        }

        request.Messages.Add(ChatMessage.Text(ChatRole.User, probe.Prompt));
        JsonElement? schema = null;
        if (probe.Tool is { } tool)
        {
            using var parsed = JsonDocument.Parse(tool.Schema);
            schema = parsed.RootElement.Clone();
            request.Tools.Add(new ToolDefinition(tool.Name) { Description = tool.Description, Parameters = schema });
        }

        if (channel.Adapter.CheckSupported(request) is not null)
        {
            return null;
        }

        using var upstream = CreateRequest(channel, model, probe, request, schema);
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
            var decoder = channel.Adapter.CreateDecoder(channel.Settings);
            if (request.Stream)
            {
                if (!UpstreamCall.IsEventStream(response) || !await ReadStreamAsync(response, decoder, events, timer, channel.Settings.IdleTimeout, responseLimit).ConfigureAwait(false))
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    return null;
                }
            }
            else
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
                        decoder.DecodeResponse(body.WrittenSpan, events);
                    }
                    catch (Exception e) when (UpstreamCall.IsReadFailure(e))
                    {
                        return null;
                    }
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
        var text = choice is null ? string.Empty : AnswerText(choice.Parts);
        return new ProbeAnswer(
            stratum,
            text,
            counter.Count(model, text),
            answer.Usage?.OutputTokens,
            answer.Model,
            choice?.FinishReason == FinishReason.MaxTokens);
    }

    /// <summary>The answer's text as the tests read it: its text, then each tool call as its function's name and its
    /// arguments' JSON, so a probe that offers a tool is compared on the call's shape (which function, which arguments)
    /// as on words.</summary>
    internal static string AnswerText(IEnumerable<ContentPart> parts)
    {
        var text = new System.Text.StringBuilder();
        foreach (var part in parts)
        {
            switch (part)
            {
                case TextPart t:
                    text.Append(t.Text);
                    break;
                case ToolCallPart call:
                    text.Append(text.Length == 0 ? "" : "\n").Append(call.Name).Append(' ').Append(call.ArgumentsJson);
                    break;
            }
        }

        return text.ToString();
    }

    /// <summary>The probe's upstream request, built as a client's is: on a wire whose adapter relays a same-wire client's
    /// own bytes (the fast path), the body a client of that wire sends — the official SDK's shape
    /// (<see cref="SdkShapedRequest"/>) — around the adapter's raw request (URL, auth, headers); elsewhere as the
    /// translated path builds a client's request. Nothing is added either way, so a probe carries no header, member or
    /// member order a client request lacks.</summary>
    private static HttpRequestMessage CreateRequest(ChannelRuntime channel, string model, Probe probe, ChatRequest request, JsonElement? schema)
    {
        var adapter = channel.Adapter;
        var fields = new SdkShapedRequest.Fields(
            model, probe.System, probe.Prompt, request.MaxOutputTokens, request.Temperature, request.TopP, request.Stream,
            probe.Tool is { } tool ? (tool.Name, tool.Description, schema!.Value) : null, AnthropicRequestEncoder.DefaultMaxTokens);
        var body = new ArrayBufferWriter<byte>(512);
        if (!adapter.SupportsRawForwarding(request) || !SdkShapedRequest.TryWrite(adapter.Protocol, fields, body))
        {
            return adapter.CreateChatRequest(channel.Settings, model, request);
        }

        var content = new ByteArrayContent(body.WrittenSpan.ToArray());
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        return adapter.CreateRawChatRequest(channel.Settings, model, request.Stream, content);
    }

    /// <summary>Reads a streamed answer into canonical events: false when it fails, breaks off or grows beyond
    /// <paramref name="limit"/> bytes of event data.</summary>
    private static async Task<bool> ReadStreamAsync(
        HttpResponseMessage response, IChatUpstreamDecoder decoder, List<ChatEvent> events, CancellationTokenSource timer, TimeSpan idle, long limit)
    {
        try
        {
            var upstream = await response.Content.ReadAsStreamAsync(timer.Token).ConfigureAwait(false);
            await using var body = new IdleTimeoutStream(upstream, timer, idle);
            await using var reader = new SseStreamReader(body);
            long read = 0;
            while (await reader.ReadAsync(timer.Token).ConfigureAwait(false) is { } ev)
            {
                read += ev.Data.Length;
                if (read > limit)
                {
                    return false;
                }

                if (!decoder.DecodeStreamEvent(ev, events))
                {
                    return true;
                }
            }

            // Some wires (Gemini) end with the connection rather than a marker.
            return events.Count > 0;
        }
        catch (Exception e) when (UpstreamCall.IsReadFailure(e))
        {
            return false;
        }
    }
}
