using System.Diagnostics.Metrics;
using Candor.Protocols.Canonical;
using Microsoft.Extensions.Logging;

namespace Candor.Core.Admission;

/// <summary>Whether the durable store (usage records, charges, receipts) is taking writes, fed by the outcome of
/// every durable write. One failed write marks it failing: new requests of stored keys are then refused (503 with
/// Retry-After, <see cref="CheckAdmission"/>) instead of being answered without their usage record or receipt. While
/// failing, a probe write runs every <see cref="ProbeInterval"/>; the first that commits (or any real write that
/// commits) marks it healthy again. The operator is told by a log event on each change and by the
/// <c>candor.store.failing</c> gauge and <c>candor.store.write_failures</c> counter (docs/fail-closed.md).</summary>
internal sealed class StoreHealth : IDisposable
{
    /// <summary>How long a request waits for its settlement or its receipt to become durable. The SQLite busy timeout
    /// is shorter (<see cref="BusyTimeout"/>), so a write lock held by another process fails the write cleanly before
    /// the caller gives up.</summary>
    public static readonly TimeSpan WriteTimeout = TimeSpan.FromSeconds(5);

    /// <summary>How long a SQLite write waits for a lock held by another process before it fails.</summary>
    public static readonly TimeSpan BusyTimeout = TimeSpan.FromSeconds(4);

    /// <summary>How often a failing store is probed.</summary>
    public static readonly TimeSpan ProbeInterval = TimeSpan.FromSeconds(2);

    /// <summary>The Retry-After given to refused requests, in seconds.</summary>
    public const int RetryAfterSeconds = 5;

    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Func<CancellationToken, Task>? _probe;
    private readonly Meter? _meter;
    private readonly Counter<long>? _failures;
    private readonly Lock _gate = new();
    private ITimer? _timer;
    private int _failing;
    private int _probing;
    private bool _disposed;

    /// <param name="time">The clock of the probe timer.</param>
    /// <param name="logger">Where changes of state are logged.</param>
    /// <param name="meterFactory">Metrics (optional).</param>
    /// <param name="probe">A small durable write that shows the store takes writes again; without one only real
    /// writes (a request of a configuration key, an admin write) can mark it healthy.</param>
    public StoreHealth(TimeProvider time, ILogger<StoreHealth> logger, IMeterFactory? meterFactory = null, Func<CancellationToken, Task>? probe = null)
    {
        _time = time;
        _logger = logger;
        _probe = probe;
        if (meterFactory is not null)
        {
            _meter = meterFactory.Create("Candor.Store");
            _failures = _meter.CreateCounter<long>("candor.store.write_failures", description: "Durable writes (settlements, receipts, probes) that failed, by operation");
            _meter.CreateObservableGauge("candor.store.failing", () => Volatile.Read(ref _failing), description: "1 while the store refuses writes and stored keys are refused, else 0");
        }
    }

    /// <summary>The deadline of a durable write starting now: a token cancelled between <see cref="WriteTimeout"/> and
    /// <see cref="WriteTimeout"/> plus <see cref="WriteDeadlines.Slice"/> from now, shared with the writes that start
    /// within the same slice (no timer per write). Give it to the write (a queued group-commit item is withdrawn with it)
    /// and to <see cref="WaitForWriteAsync(Task, CancellationToken)"/>.</summary>
    public static CancellationToken Deadline(TimeProvider time) => WriteDeadlines.For(time).Next();

    /// <summary>Waits for a durable write at most <see cref="WriteTimeout"/> (see <see cref="Deadline"/>).</summary>
    public static Task WaitForWriteAsync(Task write, TimeProvider time) => WaitForWriteAsync(write, Deadline(time));

    /// <summary>Waits for a durable write until <paramref name="deadline"/> (from <see cref="Deadline"/>), then throws
    /// <see cref="TimeoutException"/>. A write still running then goes on by itself and its failure, if any, is observed
    /// here (the caller already counts it as failed), so no task exception is left unobserved.</summary>
    public static async Task WaitForWriteAsync(Task write, CancellationToken deadline)
    {
        ArgumentNullException.ThrowIfNull(write);
        try
        {
            await write.WaitAsync(deadline).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested)
        {
            throw TimedOut(write);
        }
    }

    /// <summary>Waits for a durable write that returns a value, as <see cref="WaitForWriteAsync(Task, CancellationToken)"/>
    /// does (one wait: no second state machine).</summary>
    public static async Task<T> WaitForWriteAsync<T>(Task<T> write, CancellationToken deadline)
    {
        ArgumentNullException.ThrowIfNull(write);
        try
        {
            return await write.WaitAsync(deadline).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested)
        {
            throw TimedOut(write);
        }
    }

    /// <summary>Waits for a durable write that returns a value at most <see cref="WriteTimeout"/>.</summary>
    public static Task<T> WaitForWriteAsync<T>(Task<T> write, TimeProvider time) => WaitForWriteAsync(write, Deadline(time));

    /// <summary>The exception of a wait that ended at its deadline; the write's own outcome, if it fails later (or was
    /// withdrawn with the deadline), is observed.</summary>
    private static TimeoutException TimedOut(Task write)
    {
        _ = write.ContinueWith(static t => _ = t.Exception, CancellationToken.None,
            TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        return new TimeoutException($"The durable write did not complete within {WriteTimeout.TotalSeconds} s.");
    }

    /// <summary>True while the last durable write failed.</summary>
    public bool IsFailing => Volatile.Read(ref _failing) != 0;

    /// <summary>The error a request gets while the store is failing, or when its own settlement or receipt could not
    /// be stored: 503 with Retry-After, in the surface's envelope.</summary>
    public static RelayError Unavailable() =>
        new(RelayStage.Admission, RelayErrorKind.Overloaded, 503,
            "Candor cannot record usage and receipts right now (its store is failing), so it does not answer; retry later.")
        { RetryAfterSeconds = RetryAfterSeconds, Code = "store_unavailable" };

    /// <summary>Refuses a request that needs the store while it is failing; null when the store is healthy.</summary>
    public RelayError? CheckAdmission() => IsFailing ? Unavailable() : null;

    /// <summary>Notes a durable write that committed: the store is healthy.</summary>
    public void Succeeded()
    {
        if (Volatile.Read(ref _failing) == 0)
        {
            return;
        }

        lock (_gate)
        {
            if (_failing == 0)
            {
                return;
            }

            Volatile.Write(ref _failing, 0);
            _timer?.Dispose();
            _timer = null;
        }

        _logger.StoreRecovered();
    }

    /// <summary>Notes a durable write that failed (<paramref name="operation"/>: settlement, receipt, probe, admin).</summary>
    public void Failed(string operation, Exception error)
    {
        ArgumentNullException.ThrowIfNull(error);
        if (_failures is { Enabled: true } failures)
        {
            failures.Add(1, new KeyValuePair<string, object?>("operation", operation));
        }

        lock (_gate)
        {
            if (_failing != 0 || _disposed)
            {
                return;
            }

            Volatile.Write(ref _failing, 1);
            if (_probe is not null)
            {
                _timer = _time.CreateTimer(static s => ((StoreHealth)s!).StartProbe(), this, ProbeInterval, ProbeInterval);
            }
        }

        _logger.StoreFailing(operation, error.GetType().Name);
    }

    /// <summary>Runs one probe unless one is already running.</summary>
    private void StartProbe()
    {
        if (Interlocked.Exchange(ref _probing, 1) == 0)
        {
            _ = ProbeAsync();
        }
    }

    private async Task ProbeAsync()
    {
        try
        {
            var deadline = Deadline(_time);
            await WaitForWriteAsync(_probe!(deadline), deadline).ConfigureAwait(false);
            Succeeded();
        }
#pragma warning disable CA1031 // A failed probe only means the store still fails.
        catch (Exception e)
#pragma warning restore CA1031
        {
            if (_failures is { Enabled: true } failures)
            {
                failures.Add(1, new KeyValuePair<string, object?>("operation", "probe"));
            }

            _logger.StoreProbeFailed(e.GetType().Name);
        }
        finally
        {
            Volatile.Write(ref _probing, 0);
        }
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        lock (_gate)
        {
            _disposed = true;
            _timer?.Dispose();
            _timer = null;
        }

        _meter?.Dispose();
    }
}
