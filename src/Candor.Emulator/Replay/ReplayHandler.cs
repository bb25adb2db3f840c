using System.Collections.Concurrent;
using System.Text.Json;
using Candor.Emulator.Http;
using Candor.Emulator.Vendors;

namespace Candor.Emulator.Replay;

/// <summary>Answers a vendor request under <c>/replay/NAME/</c> with a recorded answer of the vendor's own, byte for
/// byte (<see cref="Recording"/>). The answer is chosen by how far the conversation has gone: the request's number of
/// assistant turns that called a tool (0 for the first request of a tool loop, 1 after the first tool result, …), so a
/// client's whole tool loop replays a recorded one. Only streams are recorded: a request that does not ask for one gets a
/// 400 saying so.</summary>
internal sealed class ReplayHandler(string? root)
{
    private readonly ConcurrentDictionary<string, Recording?> _recordings = new(StringComparer.Ordinal);

    public async Task ReplayAsync(EmulatorCall call, string name)
    {
        var (dialect, framing, stream) = Classify(call);
        if (dialect is null)
        {
            await Responder.WriteErrorAsync(call, OpenAiErrors.Instance, 404, "No recording is replayed on this endpoint.").ConfigureAwait(false);
            return;
        }

        if (root is null || _recordings.GetOrAdd(name, static (n, directory) => Recording.Load(directory, n), root) is not { } recording)
        {
            await Responder.WriteErrorAsync(call, dialect, 404, $"No recording named '{name}'.").ConfigureAwait(false);
            return;
        }

        if (!Json.TryParse(call.Body, out var document))
        {
            await Responder.WriteErrorAsync(call, dialect, 400, "The request body is not a JSON object.").ConfigureAwait(false);
            return;
        }

        using (document)
        {
            var request = document!.RootElement;
            if (!stream && Json.Bool(request, "stream") != true)
            {
                await Responder.WriteErrorAsync(call, dialect, 400, "The replay serves recorded streams only: ask for a stream.").ConfigureAwait(false);
                return;
            }

            var body = recording.Body(ToolTurns(request), framing);
            var response = call.Http.Response;
            response.StatusCode = 200;
            response.ContentType = "text/event-stream";
            response.ContentLength = body.Length;
            await response.Body.WriteAsync(body, call.Aborted).ConfigureAwait(false);
        }
    }

    /// <summary>The vendor of the endpoint (its error dialect), how it frames a stream, and whether the endpoint itself
    /// streams (Gemini's <c>:streamGenerateContent</c>); a null dialect for an endpoint nothing is replayed on.</summary>
    private static (IErrorDialect? Dialect, ReplayFraming Framing, bool Stream) Classify(EmulatorCall call)
    {
        var path = call.Path.TrimEnd('/');
        if (path is "/v1/chat/completions" || (path.StartsWith("/openai/deployments/", StringComparison.Ordinal) && path.EndsWith("/chat/completions", StringComparison.Ordinal)))
        {
            return (OpenAiErrors.Instance, ReplayFraming.DoneMarker, false);
        }

        if (path is "/v1/responses")
        {
            return (OpenAiErrors.Instance, ReplayFraming.Named, false);
        }

        if (path is "/v1/messages")
        {
            return (AnthropicErrors.Instance, ReplayFraming.Named, false);
        }

        if ((path.StartsWith("/v1beta/models/", StringComparison.Ordinal) || path.StartsWith("/v1/models/", StringComparison.Ordinal))
            && path.EndsWith(":streamGenerateContent", StringComparison.Ordinal))
        {
            return (GeminiErrors.Instance, ReplayFraming.CrLf, true);
        }

        return (null, ReplayFraming.DoneMarker, false);
    }

    /// <summary>How many assistant turns of the conversation called a tool, on whichever wire the body speaks.</summary>
    internal static int ToolTurns(JsonElement root)
    {
        int turns = 0;
        foreach (var message in Json.Items(Json.Get(root, "messages")))
        {
            // OpenAI chat: an assistant message with tool_calls; Anthropic: an assistant message with a tool_use block.
            if (Json.String(message, "role") == "assistant"
                && (Json.Items(Json.Get(message, "tool_calls")).Any() || Json.Items(Json.Get(message, "content")).Any(static b => Json.String(b, "type") == "tool_use")))
            {
                turns++;
            }
        }

        foreach (var content in Json.Items(Json.Get(root, "contents")))
        {
            // Gemini: a model turn with a functionCall part.
            if (Json.String(content, "role") == "model" && Json.Items(Json.Get(content, "parts")).Any(static p => Json.Get(p, "functionCall").ValueKind == JsonValueKind.Object))
            {
                turns++;
            }
        }

        string? previous = null;
        foreach (var item in Json.Items(Json.Get(root, "input")))
        {
            // The Responses API: a run of function_call items is one turn.
            var type = Json.String(item, "type");
            if (type == "function_call" && previous != "function_call")
            {
                turns++;
            }

            previous = type;
        }

        return turns;
    }
}
