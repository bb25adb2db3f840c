using System.Text.Json;
using Candor.Emulator.Faults;
using Candor.Emulator.Replay;
using Candor.Emulator.Vendors;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Candor.Emulator.Http;

/// <summary>
/// The emulator's single request handler: records the request, strips a <c>/x/SPEC/</c> prefix, takes a
/// queued fault, and routes to the vendor handler. Routing is by hand so the prefix can wrap any endpoint.
/// </summary>
internal sealed class EmulatorDispatcher(EmulatorOptions options, EmulatorJournal journal, FaultQueue faults, CancellationToken stopping)
{
    private static readonly string[] JournalHeaders = ["authorization", "api-key", "x-api-key", "x-goog-api-key", "anthropic-version", "anthropic-beta",
        "traceparent", "tracestate", "baggage", "request-id", "correlation-context"];

    private readonly ResponseStore _responses = new();
    private readonly ReplayHandler _replay = new(options.RecordingsDirectory);
    private int _active;

    /// <summary>Requests being handled right now (a streaming answer counts until its last byte or abort).</summary>
    public int ActiveRequests => Volatile.Read(ref _active);

    public async Task HandleAsync(HttpContext context)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, stopping);
        Interlocked.Increment(ref _active);
        try
        {
            await HandleCoreAsync(context, linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (linked.IsCancellationRequested)
        {
            // The client went away (or the emulator is stopping): nothing left to answer.
            context.Abort();
        }
        finally
        {
            Interlocked.Decrement(ref _active);
        }
    }

    private async Task HandleCoreAsync(HttpContext context, CancellationToken ct)
    {
        var request = context.Request;
        var body = await ReadBodyAsync(request, ct).ConfigureAwait(false);
        var rawTarget = context.Features.Get<IHttpRequestFeature>()?.RawTarget ?? request.Path.Value ?? "/";
        var rawPath = rawTarget.Split('?', 2)[0];

        var pathSpec = FaultSpec.Empty;
        var path = request.Path.Value ?? "/";
        if (rawPath.StartsWith("/x/", StringComparison.Ordinal))
        {
            var end = rawPath.IndexOf('/', 3);
            var segment = end < 0 ? rawPath[3..] : rawPath[3..end];
            pathSpec = FaultSpec.Parse(Uri.UnescapeDataString(segment));
            path = end < 0 ? "/" : Uri.UnescapeDataString(rawPath[end..]);
        }

        string? replay = null;
        if (rawPath.StartsWith("/replay/", StringComparison.Ordinal))
        {
            // A recorded answer replayed as it was recorded (tests/Recordings): /replay/NAME/ prefixes any vendor path.
            var end = rawPath.IndexOf('/', 8);
            replay = Uri.UnescapeDataString(end < 0 ? rawPath[8..] : rawPath[8..end]);
            path = end < 0 ? "/" : Uri.UnescapeDataString(rawPath[end..]);
        }

        if (path.StartsWith("/_emulator/", StringComparison.Ordinal))
        {
            await ControlAsync(context, path, body, ct).ConfigureAwait(false);
            return;
        }

        var headers = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var name in JournalHeaders)
        {
            if (request.Headers.TryGetValue(name, out var value))
            {
                headers[name] = value.ToString();
            }
        }

        journal.Add(new JournalEntry(request.Method, request.Path.Value ?? "/", request.QueryString.Value ?? string.Empty, headers, body)
        {
            HeaderNames = [.. request.Headers.Keys.Select(static k => k.ToLowerInvariant())],
        });

        var call = new EmulatorCall
        {
            Http = context,
            Body = body,
            Path = path,
            Spec = pathSpec.Merge(faults.TryTake()),
            Options = options,
            Journal = journal,
            Aborted = ct,
        };
        if (replay is not null)
        {
            await _replay.ReplayAsync(call, replay).ConfigureAwait(false);
            return;
        }

        await RouteAsync(call, request.Method).ConfigureAwait(false);
    }

    private async Task RouteAsync(EmulatorCall call, string method)
    {
        var path = call.Path.TrimEnd('/');
        var post = HttpMethods.IsPost(method);
        switch (path)
        {
            case "/v1/chat/completions" when post:
                await OpenAiHandler.ChatAsync(call, null).ConfigureAwait(false);
                return;
            case "/v1/completions" when post:
                await CompletionsHandler.CompletionsAsync(call, null).ConfigureAwait(false);
                return;
            case "/v1/embeddings" when post:
                await OpenAiHandler.EmbeddingsAsync(call, null).ConfigureAwait(false);
                return;
            case "/v1/images/generations" or "/v1/images/edits" or "/v1/audio/speech" or "/v1/audio/transcriptions" or "/v1/rerank" or "/v1/moderations" when post:
                await MediaHandler.HandleAsync(call, path[4..]).ConfigureAwait(false);
                return;
            case "/v1/models" when HttpMethods.IsGet(method):
                await OpenAiHandler.ModelsAsync(call).ConfigureAwait(false);
                return;
            case "/v1/responses" when post:
                await ResponsesHandler.CreateAsync(call, _responses).ConfigureAwait(false);
                return;
            case "/v1/messages" when post:
                await AnthropicHandler.MessagesAsync(call, countTokens: false).ConfigureAwait(false);
                return;
            case "/v1/messages/count_tokens" when post:
                await AnthropicHandler.MessagesAsync(call, countTokens: true).ConfigureAwait(false);
                return;
        }

        const string Responses = "/v1/responses/";
        if (path.StartsWith(Responses, StringComparison.Ordinal) && !path[Responses.Length..].Contains('/', StringComparison.Ordinal)
            && (HttpMethods.IsGet(method) || HttpMethods.IsDelete(method)))
        {
            await ResponsesHandler.GetAsync(call, _responses, path[Responses.Length..], HttpMethods.IsDelete(method)).ConfigureAwait(false);
            return;
        }

        const string Deployments = "/openai/deployments/";
        if (post && path.StartsWith(Deployments, StringComparison.Ordinal))
        {
            var rest = path[Deployments.Length..];
            var slash = rest.IndexOf('/', StringComparison.Ordinal);
            if (slash > 0)
            {
                var deployment = rest[..slash];
                switch (rest[(slash + 1)..])
                {
                    case "chat/completions":
                        await OpenAiHandler.ChatAsync(call, deployment).ConfigureAwait(false);
                        return;
                    case "completions":
                        await CompletionsHandler.CompletionsAsync(call, deployment).ConfigureAwait(false);
                        return;
                    case "embeddings":
                        await OpenAiHandler.EmbeddingsAsync(call, deployment).ConfigureAwait(false);
                        return;
                }
            }
        }

        foreach (var prefix in (ReadOnlySpan<string>)["/v1beta/models/", "/v1/models/"])
        {
            if (post && path.StartsWith(prefix, StringComparison.Ordinal))
            {
                var rest = path[prefix.Length..];
                var colon = rest.LastIndexOf(':');
                if (colon > 0 && !rest.Contains('/', StringComparison.Ordinal))
                {
                    await GeminiHandler.HandleAsync(call, rest[..colon], rest[(colon + 1)..]).ConfigureAwait(false);
                    return;
                }
            }
        }

        await Responder.WriteJsonAsync(call, 404, Json.Write(w =>
        {
            w.WriteStartObject();
            w.WriteStartObject("error");
            w.WriteString("message", "Unknown endpoint.");
            w.WriteString("type", "invalid_request_error");
            w.WriteEndObject();
            w.WriteEndObject();
        })).ConfigureAwait(false);
    }

    private async Task ControlAsync(HttpContext context, string path, byte[] body, CancellationToken ct)
    {
        var response = context.Response;
        if (path == "/_emulator/faults" && HttpMethods.IsPost(context.Request.Method))
        {
            string? spec = null;
            var count = 1;
            try
            {
                using var document = JsonDocument.Parse(body);
                spec = Json.String(document.RootElement, "spec");
                count = Json.Int(document.RootElement, "count") ?? 1;
            }
            catch (JsonException)
            {
            }

            if (spec is null)
            {
                response.StatusCode = 400;
                return;
            }

            faults.Enqueue(FaultSpec.Parse(spec), count);
            response.StatusCode = 204;
            return;
        }

        if (path == "/_emulator/faults" && HttpMethods.IsDelete(context.Request.Method))
        {
            faults.Clear();
            response.StatusCode = 204;
            return;
        }

        if (path == "/_emulator/health")
        {
            response.ContentType = "application/json";
            await response.Body.WriteAsync("{\"status\":\"ok\"}"u8.ToArray(), ct).ConfigureAwait(false);
            return;
        }

        response.StatusCode = 404;
    }

    private static async Task<byte[]> ReadBodyAsync(HttpRequest request, CancellationToken ct)
    {
        using var buffer = new MemoryStream();
        await request.Body.CopyToAsync(buffer, ct).ConfigureAwait(false);
        return buffer.ToArray();
    }
}
