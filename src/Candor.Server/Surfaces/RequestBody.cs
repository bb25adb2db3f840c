using System.Buffers;
using System.Globalization;
using System.IO.Pipelines;
using Candor.Core;
using Candor.Core.Relay;
using Candor.Protocols.Buffers;
using Candor.Protocols.Canonical;

namespace Candor.Server.Surfaces;

/// <summary>Reads a client body into pooled memory, in the surface's envelope when it cannot: 413 past the limit,
/// 503 when the server-wide body budget (<see cref="NodeAdmission"/>) cannot hold it and what decoding it costs,
/// 408 when it does not arrive within the body timeout (or Kestrel's minimum data rate), 400 when it ends before it
/// is whole.</summary>
internal static class RequestBody
{
    public static async Task<PooledBufferWriter?> ReadAsync(HttpContext http, Surface surface, long limit, TimeSpan timeout, AdmissionTicket ticket)
    {
        if (http.Request.ContentLength is { } declared && declared > limit)
        {
            await ResponseWriter.WriteErrorAsync(http, surface, RelayError.TooLarge(limit)).ConfigureAwait(false);
            return null;
        }

        // A declared length sizes the buffer once, exactly: the body ends at that length (Kestrel reads no further), so
        // no last read has to see the end, and a body of 16,384 bytes rents 16 KB, not 32 KB for a spare byte. A 100-byte
        // prompt must not hold a 16 KB array either. Without a length, the spare byte lets the last read see the end.
        // The budget still sets aside the length and one byte, as it always has (a body at the limit does not fit twice
        // in twice the limit).
        var declaredLength = http.Request.ContentLength;
        int initial = (int)Math.Min(declaredLength ?? 4096, limit) + 1;
        if (!ticket.TryHoldBody(initial))
        {
            await ResponseWriter.WriteErrorAsync(http, surface, NodeAdmission.Overloaded("memory for request bodies")).ConfigureAwait(false);
            return null;
        }

        var buffer = new PooledBufferWriter(declaredLength is { } expected ? (int)Math.Max(expected, 1) : initial);
        ticket.HoldAtLeast(buffer.Capacity);
        int readSize = declaredLength is null ? 8192 : 1;
        CancellationTokenSource? deadline = null;
        RelayError? error;
        try
        {
            // A body already whole in Kestrel's buffer is taken without a read, so without the body timeout's timer.
            if (declaredLength is { } whole && TryTakeArrived(http.Request.BodyReader, whole, buffer))
            {
                if (ticket.TryHoldDecoding(buffer.WrittenCount))
                {
                    return buffer;
                }

                error = NodeAdmission.Overloaded("memory for request bodies");
            }
            else
            {
                deadline = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted);
                deadline.CancelAfter(timeout);
                while (true)
                {
                    if (buffer.WrittenCount == declaredLength)
                    {
                        // The whole declared body: decoding it costs memory beyond it, which the budget counts too.
                        if (!ticket.TryHoldDecoding(buffer.WrittenCount))
                        {
                            error = NodeAdmission.Overloaded("memory for request bodies");
                            break;
                        }

                        return buffer;
                    }

                    if (buffer.Capacity - buffer.WrittenCount < readSize
                        && !ticket.TryHoldBody(Math.Max(2L * buffer.Capacity, (long)buffer.WrittenCount + readSize)))
                    {
                        error = NodeAdmission.Overloaded("memory for request bodies");
                        break;
                    }

                    var memory = buffer.GetMemory(readSize);
                    ticket.HoldAtLeast(buffer.Capacity);
                    int n = await http.Request.Body.ReadAsync(memory, deadline.Token).ConfigureAwait(false);
                    if (n == 0)
                    {
                        // Decoding the body costs memory beyond it: the budget counts that too, before the decoder runs.
                        if (!ticket.TryHoldDecoding(buffer.WrittenCount))
                        {
                            error = NodeAdmission.Overloaded("memory for request bodies");
                            break;
                        }

                        return buffer;
                    }

                    buffer.Advance(n);
                    if (buffer.WrittenCount > limit)
                    {
                        error = RelayError.TooLarge(limit);
                        break;
                    }
                }
            }
        }
        catch (BadHttpRequestException e)
        {
            // Kestrel's own verdicts on the body: 408 below its minimum data rate, 400 when the body ended early.
            error = Incomplete(e.StatusCode, timeout);
        }
        catch (OperationCanceledException) when (!http.RequestAborted.IsCancellationRequested)
        {
            error = Incomplete(StatusCodes.Status408RequestTimeout, timeout);
        }
        catch (Exception e) when (e is IOException or OperationCanceledException)
        {
            // The client left (or reset the connection): there is nobody to answer.
            buffer.Dispose();
            return null;
        }
        finally
        {
            deadline?.Dispose();
        }

        buffer.Dispose();
        if (error.StatusCode is StatusCodes.Status408RequestTimeout or StatusCodes.Status400BadRequest)
        {
            http.RequestServices.GetService<ILoggerFactory>()?.CreateLogger(typeof(RequestBody)).BodyIncomplete(http.TraceIdentifier, error.StatusCode);
        }

        await ResponseWriter.WriteErrorAsync(http, surface, error).ConfigureAwait(false);
        return null;
    }

    /// <summary>Takes a body of <paramref name="length"/> bytes (declared, within the limit and the buffer's capacity) when
    /// all of it has already arrived, as a small body usually has, with the request's head: then it is copied without a
    /// read to wait for, so without the body timeout's timer. False, with nothing consumed, when part of it is still due
    /// (the timed read loop takes it all).</summary>
    private static bool TryTakeArrived(PipeReader reader, long length, PooledBufferWriter buffer)
    {
        if (!reader.TryRead(out var result))
        {
            return false;
        }

        var arrived = result.Buffer;
        if (arrived.Length < length)
        {
            reader.AdvanceTo(arrived.Start);
            return false;
        }

        var body = arrived.Slice(0, length);
        body.CopyTo(buffer.GetSpan((int)length));
        buffer.Advance((int)length);
        reader.AdvanceTo(body.End);
        return true;
    }

    /// <summary>The answer to a body that did not arrive whole: 408 when it stopped arriving, 400 when it was cut short.</summary>
    internal static RelayError Incomplete(int status, TimeSpan timeout) => status == StatusCodes.Status408RequestTimeout
        ? new RelayError(RelayStage.Decode, RelayErrorKind.InvalidRequest, 408,
            string.Create(CultureInfo.InvariantCulture, $"The request body did not arrive in time (it must arrive whole within {timeout.TotalSeconds:0.###} s, at a steady rate).")) { Code = "request_timeout" }
        : new RelayError(RelayStage.Decode, RelayErrorKind.InvalidRequest, status is >= 400 and < 500 ? status : 400,
            "The request body ended before it was complete (shorter than its Content-Length, or chunked without its last chunk).");
}
