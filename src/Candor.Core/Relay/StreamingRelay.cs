using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using Candor.Core.Accounting;
using Candor.Core.Admission;
using Candor.Core.Privacy.Redaction;
using Candor.Core.Receipts;
using Candor.Core.Routing;
using Candor.Protocols.Buffers;
using Candor.Protocols.Canonical;
using Candor.Protocols.Codecs;
using Candor.Protocols.Sse;
using Microsoft.Extensions.Logging;

namespace Candor.Core.Relay;

/// <summary>How one attempt's answer is carried to the client: the upstream wire's decoder, the client wire's encoder,
/// and whether the upstream's own bytes are relayed (the fast path: same wire, nothing redacted).</summary>
internal readonly record struct AttemptCodecs(IChatUpstreamDecoder Decoder, IChatClientEncoder Encoder, bool Fast);

/// <summary>The streaming relay: one attempt's upstream event stream carried to the client event by event, under the
/// commit protocol. Before the first byte it reads until the upstream said something meaningful, so that a failure can
/// still go to another deployment; then it commits the head (status, every pending header), relays each event as soon
/// as no further one is already buffered (<see cref="BurstFlush"/>: the flush is the backpressure), and holds back the
/// bytes that complete the answer (the end marker, or Gemini's final chunk on its fast path) until the usage record and
/// the receipt are stored in one write. A failure after the commit ends the stream with the surface's own error event;
/// a failure to store the records ends it with a 503's error event instead of the completing bytes
/// (docs/fail-closed.md).</summary>
/// <remarks>One instance per attempt; its state is the stream's: the decoded batch, the fast path's first events, and
/// whether the end marker arrived, a choice finished, the end was written.</remarks>
internal sealed class StreamingRelay
{
    private readonly RelayContext _context;
    private readonly Surface _surface;
    private readonly ReceiptService? _receipts;
    private readonly ILogger _logger;
    private readonly Attempt _attempt;
    private readonly AttemptCodecs _codecs;
    private readonly WireProfile _profile;
    private readonly int _choices;
    private readonly List<ChatEvent> _events = [];

    /// <summary>The indexes of finished choices: with several choices a Gemini fast-path answer (no end marker) completes
    /// when every choice has finished.</summary>
    private readonly HashSet<int>? _finishedChoices;

    /// <summary>Placeholders back to the originals for the client (translated path; the fast path relays no redacted
    /// request).</summary>
    private readonly PseudonymRestorer? _restorer;

    private bool _ended;
    private bool _endMarker;
    private bool _finished;
    private bool _wroteEnd;

    /// <param name="context">The request.</param>
    /// <param name="surface">The client's dialect.</param>
    /// <param name="receipts">The receipt service, when receipts are on.</param>
    /// <param name="logger">Where a broken stream is logged (metadata only).</param>
    /// <param name="attempt">The attempt whose answer this is.</param>
    /// <param name="codecs">The decoder, the encoder and the path.</param>
    /// <param name="choices">How many choices the request asked for.</param>
    public StreamingRelay(RelayContext context, Surface surface, ReceiptService? receipts, ILogger logger, Attempt attempt, AttemptCodecs codecs, int choices)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(surface);
        _context = context;
        _surface = surface;
        _receipts = receipts;
        _logger = logger;
        _attempt = attempt;
        _codecs = codecs;
        _choices = choices;
        _profile = WireProfile.For(surface.Protocol);
        _finishedChoices = choices > 1 ? [] : null;
        _restorer = !codecs.Fast && context.Redactions is { HasPseudonyms: true } redactor ? new PseudonymRestorer(redactor) : null;
    }

    private bool AllFinished() => _finished && (_finishedChoices is null || _finishedChoices.Count >= _choices);

    /// <summary>Relays <paramref name="response"/> (an event stream of a success status): a failure before the first
    /// byte is returned for the attempt loop; once committed, the attempt is <see cref="AttemptOutcome.Done"/>.</summary>
    /// <param name="response">The upstream's response.</param>
    /// <param name="timer">The attempt's timer (first byte, then re-armed per read by the idle timeout).</param>
    /// <param name="sent">When the request was sent (<see cref="Stopwatch"/> ticks), for the upstream time.</param>
    /// <param name="eventLimit">The largest event held whole.</param>
    public async ValueTask<AttemptOutcome> RelayAsync(HttpResponseMessage response, CancellationTokenSource timer, long sent, int eventLimit)
    {
        ArgumentNullException.ThrowIfNull(response);
        ArgumentNullException.ThrowIfNull(timer);
        using var pending = new PooledBufferWriter(4096);
        Stream? body = null;
        SseStreamReader? reader = null;
        try
        {
            // Before the first byte: read until the upstream has said something meaningful, so that a failure here can
            // still go to another deployment.
            try
            {
                var upstream = await response.Content.ReadAsStreamAsync(timer.Token).ConfigureAwait(false);
                body = new IdleTimeoutStream(_context.Receipt?.HashUpstream(upstream) ?? upstream, timer, _attempt.Channel.Settings.IdleTimeout);
                reader = new SseStreamReader(body, eventLimit);
                await ReadFirstAsync(reader, pending, timer).ConfigureAwait(false);
            }
            catch (Exception e) when (UpstreamCall.IsReadFailure(e))
            {
                return UpstreamCall.FailedRead(e, "before the first event", _context.Aborted);
            }
            finally
            {
                _context.UpstreamTicks += Stopwatch.GetTimestamp() - sent;
            }

            if (_events.Count == 0)
            {
                return AttemptOutcome.Failed(UpstreamErrors.Malformed("the stream ended without any event"), UpstreamFailure.Malformed);
            }

            if (_events[0] is StreamFailed early)
            {
                return AttemptOutcome.Failed(early.Error, retryable: true);
            }

            await RelayCommittedAsync(reader, pending, timer).ConfigureAwait(false);
            return AttemptOutcome.Done;
        }
        catch (OperationCanceledException) when (_context.Aborted.IsCancellationRequested)
        {
            _logger.ClientGone(_context.RequestId);
            return AttemptOutcome.Done;
        }
        finally
        {
            if (reader is not null)
            {
                await reader.DisposeAsync().ConfigureAwait(false);
            }

            if (body is not null)
            {
                await body.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>Reads until the first decoded event (the fast path keeps the upstream's bytes in <paramref name="pending"/>).</summary>
    private async Task ReadFirstAsync(SseStreamReader reader, PooledBufferWriter pending, CancellationTokenSource timer)
    {
        while (_events.Count == 0 && !_ended)
        {
            var ev = await reader.ReadAsync(timer.Token).ConfigureAwait(false);
            if (ev is not { } e)
            {
                _ended = true;
                break;
            }

            if (!_codecs.Decoder.DecodeStreamEvent(e, _events))
            {
                _ended = _endMarker = true;
            }

            // Relayed only once it decoded: a broken event never reaches the client as it is.
            if (_codecs.Fast)
            {
                SseWriter.WriteRelayed(pending, e);
            }
        }
    }

    /// <summary>From the commit on: nothing can be retried, every end is written to the client.</summary>
    private async Task RelayCommittedAsync(SseStreamReader reader, PooledBufferWriter pending, CancellationTokenSource timer)
    {
        var lease = _attempt.Lease;
        lease.Succeeded();
        CommitHead();
        var output = _context.Output;

        // The bytes that complete the answer are held here until the usage record and the receipt are stored.
        using var held = new PooledBufferWriter(256);
        if (_context.Meter is { } meter)
        {
            meter.Accepted = true;
        }

        _finished |= Emit(_endMarker ? held : output, observe: true, out var failedEarly);
        bool completing = failedEarly is null && (_endMarker || (_codecs.Fast && !_profile.HasEndMarker && AllFinished()));
        Place(_codecs.Fast ? pending.WrittenSpan : default, completing, held, output);

        // Only the events before the commit are held here: an open stream keeps no buffer of its own.
        pending.Dispose();
        if (failedEarly is not null)
        {
            lease.BrokeAfterStart(FailureClassifier.FromError(failedEarly));
            await FinishAsync(StreamOutcome.UpstreamFailed).ConfigureAwait(false);
            await ResponseWriter.FlushAsync(_context.Port).ConfigureAwait(false);
            return;
        }

        if (completing && !await CompleteAsync(held).ConfigureAwait(false))
        {
            return;
        }

        await _context.Port.Body.FlushAsync(_context.Aborted).ConfigureAwait(false);
        var (stopped, broken, brokenFailure) = await PumpAsync(reader, held, timer).ConfigureAwait(false);
        if (!stopped)
        {
            await EndAsync(held, broken, brokenFailure).ConfigureAwait(false);
        }
    }

    /// <summary>The response head: success, no caching or proxy buffering, the route, the served model, Candor's overhead.</summary>
    private void CommitHead()
    {
        var context = _context;
        context.SetHeader("cache-control", "no-cache");
        context.SetHeader("x-accel-buffering", "no");
        RelayHeaders.SetRoute(context);
        foreach (var ev in _events)
        {
            if (ev is ResponseStarted started)
            {
                if (started.Model is { } served)
                {
                    context.SetHeader(RelayHeaders.ServedModel, RelayHeaders.Encode(served));
                }

                break;
            }
        }

        context.SetHeader(RelayHeaders.Overhead, context.OverheadMilliseconds().ToString("0.###", CultureInfo.InvariantCulture));
        context.Commit(200, "text/event-stream; charset=utf-8");
    }

    /// <summary>Relays the rest of the stream. Stopped when the stream ended on its own terms here (an upstream failure
    /// event, or a completion whose records could not be stored); otherwise what broke it, if anything, for <see cref="EndAsync"/>.</summary>
    private async ValueTask<(bool Stopped, RelayError? Broken, UpstreamFailure? Failure)> PumpAsync(SseStreamReader reader, PooledBufferWriter held, CancellationTokenSource timer)
    {
        var pipe = _context.Port.Body;
        var output = _context.Output;
        var burst = default(BurstFlush);
        try
        {
            while (!_ended)
            {
                // Flush when the next upstream event is not already in memory, and at least every 64 KB or 64 events.
                var next = reader.ReadAsync(timer.Token);
                if (burst.ShouldFlush(next.IsCompleted, pipe))
                {
                    await pipe.FlushAsync(_context.Aborted).ConfigureAwait(false);
                }

                var ev = await next.ConfigureAwait(false);
                if (ev is not { } e)
                {
                    break;
                }

                _events.Clear();
                if (!_codecs.Decoder.DecodeStreamEvent(e, _events))
                {
                    _endMarker = _ended = true;
                }

                // The fast path writes the upstream's own bytes after decoding them (Emit writes nothing there), so that
                // the event completing the answer can be held.
                bool finishing = Emit(_endMarker ? held : output, observe: true, out var failed);
                _finished |= finishing;
                bool completing = failed is null && (_endMarker || (_codecs.Fast && !_profile.HasEndMarker && finishing && AllFinished()));
                if (_codecs.Fast)
                {
                    SseWriter.WriteRelayed(completing ? held : output, e);
                }
                else
                {
                    Place(default, completing, held, output);
                }

                if (failed is not null)
                {
                    _attempt.Lease.BrokeAfterStart(FailureClassifier.FromError(failed));
                    _logger.StreamBroken(_context.RequestId, _attempt.Channel.Settings.Id, failed.Kind.ToString());
                    await FinishAsync(StreamOutcome.UpstreamFailed).ConfigureAwait(false);
                    await pipe.FlushAsync(_context.Aborted).ConfigureAwait(false);
                    return (true, null, null);
                }

                // The event that completes the answer for the client is written only after settlement and seal; the next
                // flush (top of the loop, or after it) carries it.
                if (completing && !await CompleteAsync(held).ConfigureAwait(false))
                {
                    return (true, null, null);
                }
            }
        }
        catch (Exception e) when (UpstreamCall.IsReadFailure(e) && UpstreamCall.Classify(e, "during the stream", _context.Aborted) is { Error: { } error } failed)
        {
            // A client that left is handled by the caller. The failure class comes from the classifier (an event over the
            // response limit is the client's request asking for too much, not the deployment's fault).
            return (false, error, failed.Failure);
        }

        return (false, null, null);
    }

    /// <summary>Ends the stream: a break (or an end without the end marker or a finished choice) gets the surface's error
    /// event and settles as partial; a complete stream gets its end (if not yet written) once settled and sealed.</summary>
    private async Task EndAsync(PooledBufferWriter held, RelayError? broken, UpstreamFailure? brokenFailure)
    {
        var context = _context;
        var output = context.Output;
        if (broken is null && !_endMarker && !_finished)
        {
            broken = UpstreamErrors.Unavailable("the stream ended before the response was complete");
        }

        if (_restorer is not null)
        {
            // Release any text still held at a possible placeholder prefix.
            _events.Clear();
            _restorer.Restore(_events, final: true);
            Emit(output, observe: false, out _);
        }

        if (broken is not null)
        {
            if (!context.Aborted.IsCancellationRequested)
            {
                _attempt.Lease.BrokeAfterStart(brokenFailure ?? FailureClassifier.FromError(broken));
            }

            _logger.StreamBroken(context.RequestId, _attempt.Channel.Settings.Id, broken.Kind.ToString());
            _codecs.Encoder.WriteStreamError(broken, output);
            await FinishAsync(context.Aborted.IsCancellationRequested ? StreamOutcome.ClientDisconnected : StreamOutcome.UpstreamFailed).ConfigureAwait(false);
        }
        else
        {
            if (!_wroteEnd)
            {
                WriteEnd(held, endMarker: true);
            }

            if (!await FinishAsync(StreamOutcome.Completed, held).ConfigureAwait(false))
            {
                await FailCompletionAsync().ConfigureAwait(false);
                return;
            }
        }

        await ResponseWriter.FlushAsync(context.Port).ConfigureAwait(false);
    }

    /// <summary>The answer is complete: writes the end into <paramref name="held"/>, settles and seals, and releases the
    /// held bytes; false (the stream ended with a 503's error event) when the records could not be stored.</summary>
    private async Task<bool> CompleteAsync(PooledBufferWriter held)
    {
        _wroteEnd = WriteEnd(held, _endMarker);
        if (!await FinishAsync(StreamOutcome.Completed, held).ConfigureAwait(false))
        {
            await FailCompletionAsync().ConfigureAwait(false);
            return false;
        }

        held.Clear();
        return true;
    }

    /// <summary>Settles the request (once) and then seals its receipt (once), then writes <paramref name="held"/> (the
    /// bytes that complete the answer): false, with nothing held written, when either could not be stored.</summary>
    private Task<bool> FinishAsync(StreamOutcome outcome, PooledBufferWriter? held = null) =>
        RelayReceipts.CompleteAsync(_context, _receipts, held?.WrittenMemory ?? ReadOnlyMemory<byte>.Empty, outcome, RelayOutcome.Receipt(outcome));

    /// <summary>Ends a stream whose settlement or receipt could not be stored: the surface's error event instead of the
    /// bytes that complete the answer, or a 503 in its envelope when nothing has been sent yet.</summary>
    private async Task FailCompletionAsync()
    {
        var error = StoreHealth.Unavailable();
        if (!_context.Port.HasStarted)
        {
            await RelayReceipts.WriteErrorAsync(_context, _surface, error, _receipts, ReceiptOutcome.Failed).ConfigureAwait(false);
            return;
        }

        _codecs.Encoder.WriteStreamError(error, _context.Output);
        await ResponseWriter.FlushAsync(_context.Port).ConfigureAwait(false);
    }

    /// <summary>Encodes the decoded batch for the client (translated path) and reports whether a choice finished and
    /// whether the upstream reported a failure inside the stream. The meter, the receipt and the lease observe what the
    /// upstream produced (<paramref name="observe"/>); the client gets the originals back.</summary>
    private bool Emit(IBufferWriter<byte> output, bool observe, out RelayError? failed)
    {
        bool finished = false;
        failed = null;
        var meter = observe ? _context.Meter : null;
        var receipt = observe ? _context.Receipt : null;
        var lease = observe ? _attempt.Lease : null;
        var finishedChoices = observe ? _finishedChoices : null;
        if (_restorer is not null && observe)
        {
            // Metering sees what the upstream produced; the client gets the originals back.
            foreach (var ev in _events)
            {
                meter?.Observe(ev);
            }

            meter = null;
            _restorer.Restore(_events, final: false);
        }

        bool fast = _codecs.Fast;
        var encoder = _codecs.Encoder;
        foreach (var ev in _events)
        {
            meter?.Observe(ev);
            receipt?.Observe(ev);
            switch (ev)
            {
                case UsageReported reported:
                    lease?.ReportTokens((reported.Usage.InputTokens ?? 0) + (reported.Usage.OutputTokens ?? 0));
                    break;
                case StreamFailed f:
                    failed = f.Error;
                    if (!fast)
                    {
                        encoder.WriteStreamError(f.Error, output);
                    }

                    return finished;
                case ChoiceFinished f:
                    finished = true;
                    finishedChoices?.Add(f.Choice);
                    break;
            }

            if (!fast)
            {
                encoder.WriteStreamEvent(ev, output);
            }
        }

        return finished;
    }

    /// <summary>Routes a batch's bytes: held back when they complete the answer, else to the client. The translated path's
    /// encoder already wrote into <paramref name="held"/> when the batch carried the end marker; a batch that turned out
    /// not to complete the answer (the upstream reported a failure in it) goes to the client after all.</summary>
    private static void Place(ReadOnlySpan<byte> raw, bool completing, PooledBufferWriter held, IBufferWriter<byte> output)
    {
        if (completing)
        {
            held.Write(raw);
            return;
        }

        if (held.WrittenCount > 0)
        {
            output.Write(held.WrittenSpan);
            held.Clear();
        }

        output.Write(raw);
    }

    /// <summary>Writes the translated stream's end (the fast path relays the upstream's own end marker) before the receipt
    /// hashes what was delivered; returns whether the end is now written.</summary>
    private bool WriteEnd(IBufferWriter<byte> output, bool endMarker)
    {
        if (!_codecs.Fast && endMarker)
        {
            _codecs.Encoder.WriteStreamEnd(output);
            return true;
        }

        return _codecs.Fast;
    }
}
