using System.Globalization;
using System.Text;
using Candor.Emulator.Faults;
using Microsoft.AspNetCore.Http;

namespace Candor.Emulator.Http;

/// <summary>Writes answers and applies the timing and transport faults of a <see cref="FaultSpec"/>.</summary>
internal static class Responder
{
    private static readonly byte[] HtmlPage = Encoding.UTF8.GetBytes(
        "<!DOCTYPE html>\n<html><head><title>Gateway</title></head><body><h1>Service temporarily unavailable</h1></body></html>\n");

    public static async Task WriteJsonAsync(EmulatorCall call, int status, byte[] body, FaultSpec? spec = null)
    {
        var response = call.Http.Response;
        response.StatusCode = status;
        response.ContentType = "application/json";
        response.ContentLength = body.Length;
        if (spec?.DisconnectAfter is >= 0)
        {
            // Send part of the promised body, then cut the connection: the client sees a truncated response.
            await response.Body.WriteAsync(body.AsMemory(0, body.Length / 2), call.Aborted).ConfigureAwait(false);
            await response.Body.FlushAsync(call.Aborted).ConfigureAwait(false);
            await AbortAsync(call).ConfigureAwait(false);
            return;
        }

        await response.Body.WriteAsync(body, call.Aborted).ConfigureAwait(false);
    }

    public static Task WriteErrorAsync(EmulatorCall call, IErrorDialect dialect, int status, string message, FaultSpec? spec = null)
    {
        if (status == 429 || spec?.RetryAfter is not null)
        {
            call.Http.Response.Headers["retry-after"] = (spec?.RetryAfter ?? 1).ToString(CultureInfo.InvariantCulture);
        }

        return WriteJsonAsync(call, status, dialect.ErrorBody(status, message));
    }

    /// <summary>
    /// Applies latency, hang, wrong content type, status and echo_error. Returns true when the request is
    /// answered (or abandoned) and the caller stops.
    /// </summary>
    public static async Task<bool> ApplyPreFaultsAsync(EmulatorCall call, FaultSpec spec, IErrorDialect dialect, Func<string> requestText)
    {
        if (spec.LatencyMs is > 0)
        {
            await Task.Delay(spec.LatencyMs.Value, call.Aborted).ConfigureAwait(false);
        }

        if (spec.Hang)
        {
            // Never answers; the delay ends by cancellation when the client aborts or the emulator stops.
            await Task.Delay(Timeout.Infinite, call.Aborted).ConfigureAwait(false);
            return true;
        }

        if (spec.WrongContentType)
        {
            var response = call.Http.Response;
            response.StatusCode = spec.Status ?? 200;
            response.ContentType = "text/html; charset=utf-8";
            response.ContentLength = HtmlPage.Length;
            await response.Body.WriteAsync(HtmlPage, call.Aborted).ConfigureAwait(false);
            return true;
        }

        if (spec.EchoError)
        {
            // Deliberately echoes the prompt into the error body, as some upstreams do, to test that relays never pass it on.
            await WriteErrorAsync(call, dialect, spec.Status is >= 400 ? spec.Status.Value : 400, "Invalid request: " + requestText(), spec)
                .ConfigureAwait(false);
            return true;
        }

        if (spec.Status is >= 400)
        {
            await WriteErrorAsync(call, dialect, spec.Status.Value, DefaultMessage(spec.Status.Value), spec).ConfigureAwait(false);
            return true;
        }

        return false;
    }

    /// <summary>Streams frames with ttft/chunk delays, and the disconnect and malformed-event faults.</summary>
    public static async Task StreamAsync(EmulatorCall call, FaultSpec spec, IEnumerable<Frame> frames, StreamStyle style)
    {
        var response = call.Http.Response;
        var ct = call.Aborted;
        response.StatusCode = 200;
        response.ContentType = style is StreamStyle.Sse or StreamStyle.SseCrLf ? "text/event-stream" : "application/json";
        response.Headers.CacheControl = "no-cache";
        await response.StartAsync(ct).ConfigureAwait(false);
        await response.Body.FlushAsync(ct).ConfigureAwait(false);

        if (spec.CrLf && style == StreamStyle.Sse)
        {
            style = StreamStyle.SseCrLf;
        }

        var list = frames.ToList();
        var malformedAt = spec.MalformedSse ? Math.Max(1, list.Count / 2) : -1;
        var written = 0;
        for (var i = 0; i < list.Count; i++)
        {
            var delay = i == 0 ? spec.TtftMs : spec.ChunkMs;
            if (delay is > 0)
            {
                await Task.Delay(delay.Value, ct).ConfigureAwait(false);
            }

            if (spec.DisconnectAfter is { } limit && written >= limit)
            {
                await AbortAsync(call).ConfigureAwait(false);
                return;
            }

            if (i == malformedAt)
            {
                // A garbled event: well-framed, but its JSON is cut off mid-object.
                var broken = list[i] with { Data = list[i].Data.AsSpan(0, Math.Max(1, list[i].Data.Length / 2)).ToArray() };
                await WriteFrameAsync(response, broken, style, first: false, ct).ConfigureAwait(false);
            }

            await WriteFrameAsync(response, list[i], style, i == 0, ct).ConfigureAwait(false);
            await response.Body.FlushAsync(ct).ConfigureAwait(false);
            call.Journal.FrameWritten();
            written++;
        }

        if (style == StreamStyle.JsonArray)
        {
            await response.Body.WriteAsync("]"u8.ToArray(), ct).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Resets the connection. The short pause first lets the client read what was sent: a reset makes the
    /// peer's kernel drop unread data, and the fault is "stream N events, then break", not "lose them".
    /// </summary>
    internal static async Task AbortAsync(EmulatorCall call)
    {
        await Task.Delay(400, call.Aborted).ConfigureAwait(false);
        call.Http.Abort();
    }

    private static async Task WriteFrameAsync(HttpResponse response, Frame frame, StreamStyle style, bool first, CancellationToken ct)
    {
        var buffer = new MemoryStream(frame.Data.Length + 32);
        if (style is StreamStyle.Sse or StreamStyle.SseCrLf)
        {
            var newline = style == StreamStyle.SseCrLf ? "\r\n"u8 : "\n"u8;
            if (frame.Event is not null)
            {
                buffer.Write("event: "u8);
                buffer.Write(Encoding.UTF8.GetBytes(frame.Event));
                buffer.Write(newline);
            }

            buffer.Write("data: "u8);
            buffer.Write(frame.Data);
            buffer.Write(newline);
            buffer.Write(newline);
        }
        else
        {
            buffer.Write(first ? "["u8 : ",\r\n"u8);
            buffer.Write(frame.Data);
        }

        await response.Body.WriteAsync(buffer.GetBuffer().AsMemory(0, (int)buffer.Length), ct).ConfigureAwait(false);
    }

    public static string DefaultMessage(int status) => status switch
    {
        400 => "Invalid request.",
        401 => "Invalid authentication credentials.",
        403 => "Permission denied.",
        404 => "Not found.",
        408 => "Request timed out.",
        413 => "Request too large.",
        429 => "Rate limit exceeded. Please retry later.",
        503 => "The service is temporarily unavailable.",
        529 => "Overloaded.",
        _ when status >= 500 => "Internal server error.",
        _ => "Request failed.",
    };
}
