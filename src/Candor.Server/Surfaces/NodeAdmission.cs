using Candor.Core;
using Candor.Core.Configuration;
using Candor.Core.Routing;
using Candor.Protocols.Canonical;

namespace Candor.Server.Surfaces;

/// <summary>What this node has taken on: relayed requests in flight, open streams and the bytes of request bodies
/// held in memory, each bounded by <see cref="AdmissionSettings"/> (read from the current snapshot, so a reload
/// changes them). A request beyond a bound is refused at once with 503 + Retry-After instead of being queued:
/// admitted requests keep their latency and the process keeps its memory (docs/admission-control.md). Counting is
/// lock-free; a refusal costs two interlocked operations.</summary>
internal sealed class NodeAdmission(SnapshotHolder snapshots, TimeProvider time, ILogger<NodeAdmission> logger)
{
    /// <summary>A peak of buffered bodies at least this large is followed by collections that return the memory.</summary>
    internal const long SpikeBytes = 16L * 1024 * 1024;

    /// <summary>Bytes decoding holds per byte of body, beside the body (measured in docs/admission-control.md): the
    /// document's metadata, whose first array is as long as the body, and the request's strings, two bytes a character.</summary>
    internal const int DecodingBytesPerBodyByte = 3;

    /// <summary>Shedding is reported at most this often.</summary>
    private static readonly TimeSpan ReportEvery = TimeSpan.FromSeconds(10);

    private int _inFlight;
    private int _streams;
    private long _bodyBytes;
    private long _bodyPeak;
    private int _returnPending;
    private int _spikeAgain;
    private long _refused;
    private long _lastReport = long.MinValue;

    /// <summary>Relayed requests being served now.</summary>
    public int InFlight => Volatile.Read(ref _inFlight);

    /// <summary>Streamed responses open now.</summary>
    public int OpenStreams => Volatile.Read(ref _streams);

    /// <summary>Bytes of request bodies held now.</summary>
    public long BufferedBodyBytes => Interlocked.Read(ref _bodyBytes);

    private AdmissionSettings Settings => snapshots.Current.Config.Admission;

    /// <summary>The 503 of a node at one of its bounds, in words the client can act on.</summary>
    public static RelayError Overloaded(string what) =>
        new(RelayStage.Admission, RelayErrorKind.Overloaded, 503, $"This server is at its limit of {what}; retry shortly.")
        { RetryAfterSeconds = AdmissionSettings.RetryAfterSeconds };

    /// <summary>Whether the requests in flight are at their bound now (a read: <see cref="AdmissionGate"/> refuses on it
    /// before routing; <see cref="TryEnter"/> decides).</summary>
    public bool AtInFlightBound => Volatile.Read(ref _inFlight) >= Settings.MaxInFlightRequests;

    public bool TryEnter() => TryTake(ref _inFlight, Settings.MaxInFlightRequests, "requests in flight");

    /// <summary>Counts a request <see cref="AdmissionGate"/> refused at the bound of requests in flight.</summary>
    public void NoteRefusedInFlight() => NoteRefused("requests in flight", Settings.MaxInFlightRequests);

    public void Exit() => Interlocked.Decrement(ref _inFlight);

    public bool TryOpenStream() => TryTake(ref _streams, Settings.MaxOpenStreams, "open streams");

    public void CloseStream() => Interlocked.Decrement(ref _streams);

    /// <summary>Adds <paramref name="bytes"/> to the bodies held, unless that would pass the budget.</summary>
    public bool TryHoldBody(long bytes)
    {
        long max = Settings.MaxBufferedRequestBytes;
        long current = Interlocked.Read(ref _bodyBytes);
        while (true)
        {
            if (current + bytes > max)
            {
                NoteRefused("bytes of request bodies", max);
                return false;
            }

            long seen = Interlocked.CompareExchange(ref _bodyBytes, current + bytes, current);
            if (seen == current)
            {
                long now = current + bytes;
                long peak = Interlocked.Read(ref _bodyPeak);
                while (now > peak && Interlocked.CompareExchange(ref _bodyPeak, now, peak) != peak)
                {
                    peak = Interlocked.Read(ref _bodyPeak);
                }

                return true;
            }

            current = seen;
        }
    }

    /// <summary>What decoding a body of <paramref name="bodyLength"/> bytes costs while its request runs, on top of
    /// the body, when a request already holding <paramref name="held"/> bytes decodes it: <see
    /// cref="DecodingBytesPerBodyByte"/> times the body, at most what the budget has beyond <paramref name="held"/>,
    /// so that a body the budget can hold alone can always be decoded.</summary>
    public long DecodingCost(long held, long bodyLength) =>
        Math.Min(DecodingBytesPerBodyByte * bodyLength, Math.Max(0, Settings.MaxBufferedRequestBytes - held));

    /// <summary>Adds bytes the body holds beyond what it asked for (an array rounded up); never refused.</summary>
    public void ForceHoldBody(long bytes) => Interlocked.Add(ref _bodyBytes, bytes);

    /// <summary>Gives back held body bytes. When a spike of at least <see cref="SpikeBytes"/> has drained (less than an
    /// eighth of its peak left), the memory it used is returned to the system (<see cref="ReturnMemoryAsync"/>).</summary>
    public void ReleaseBody(long bytes)
    {
        long left = Interlocked.Add(ref _bodyBytes, -bytes);
        long peak = Interlocked.Read(ref _bodyPeak);
        if (peak >= SpikeBytes && left < peak / 8 && Interlocked.CompareExchange(ref _bodyPeak, left, peak) == peak)
        {
            if (Interlocked.Exchange(ref _returnPending, 1) == 0)
            {
                _ = ReturnMemoryAsync(peak);
            }
            else
            {
                Volatile.Write(ref _spikeAgain, 1);
            }
        }
    }

    /// <summary>Large bodies are not pooled (see PooledBufferWriter), but the runtime keeps freed heap until it next
    /// collects, which an idle server may not do for hours; and what decoding rents from the shared ArrayPool for a large
    /// body (System.Text.Json copies a document it parses from a reader into a pooled array of the body's size) goes back
    /// to the system only when a full collection finds it unused for a minute, one or two arrays per collection. So after a
    /// spike: a compacting collection a second later, then a background one every 20 s for three minutes, and a last
    /// compacting one; off the request path. A spike that drains during the series gets its compacting collection at
    /// the series' next step (within 20 s), and the three minutes start again.</summary>
    private async Task ReturnMemoryAsync(long peak)
    {
        try
        {
            long before = GC.GetTotalMemory(forceFullCollection: false);
            await Task.Delay(TimeSpan.FromSeconds(1), time).ConfigureAwait(false);
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
            for (int i = 0; i < 9; i++)
            {
                await Task.Delay(TimeSpan.FromSeconds(20), time).ConfigureAwait(false);
                if (Interlocked.Exchange(ref _spikeAgain, 0) == 1)
                {
                    // Another spike drained meanwhile: compact now, and count the three minutes from here.
                    GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
                    i = -1;
                    continue;
                }

                GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: false);
            }

            GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
            logger.BodyMemoryReturned(peak, before, GC.GetTotalMemory(forceFullCollection: false));
        }
#pragma warning disable CA1031 // Off the request path and never awaited: nothing may escape as an unobserved exception.
        catch (Exception)
#pragma warning restore CA1031
        {
        }
        finally
        {
            Volatile.Write(ref _returnPending, 0);
        }
    }

    private bool TryTake(ref int counter, int limit, string resource)
    {
        if (Interlocked.Increment(ref counter) <= limit)
        {
            return true;
        }

        Interlocked.Decrement(ref counter);
        NoteRefused(resource, limit);
        return false;
    }

    /// <summary>Counts a refusal and reports shedding at most every <see cref="ReportEvery"/> (an overloaded node must
    /// not also flood its log).</summary>
    private void NoteRefused(string resource, long limit)
    {
        long refused = Interlocked.Increment(ref _refused);
        long now = time.GetTimestamp();
        long last = Interlocked.Read(ref _lastReport);
        if ((last == long.MinValue || time.GetElapsedTime(last, now) >= ReportEvery)
            && Interlocked.CompareExchange(ref _lastReport, now, last) == last)
        {
            logger.Shedding(resource, limit, refused);
            Interlocked.Add(ref _refused, -refused);
        }
    }
}
