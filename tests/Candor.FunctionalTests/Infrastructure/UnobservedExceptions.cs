namespace Candor.FunctionalTests.Infrastructure;

/// <summary>Task exceptions nobody observed while a host ran, that went through Candor's own code (a frame in a
/// <c>Candor.</c> namespace other than the tests'). The runtime event is process-wide: with several hosts running at
/// once, such an exception counts against each of them; one from a test's own code or from the framework alone does not.</summary>
internal sealed class UnobservedExceptions
{
    private readonly List<Exception> _seen = [];

    public void Start() => TaskScheduler.UnobservedTaskException += OnUnobserved;

    public void Stop() => TaskScheduler.UnobservedTaskException -= OnUnobserved;

    /// <summary>Finalizes what is collectable (so a faulted, dropped task reports now) and returns what was seen.</summary>
    public IReadOnlyList<Exception> Collect()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        lock (_seen)
        {
            return _seen.Where(static e => ThroughCandor(e.ToString())).ToList();
        }
    }

    private static bool ThroughCandor(string trace) => trace.Split('\n').Select(static l => l.TrimStart())
        .Any(static l => l.StartsWith("at Candor.", StringComparison.Ordinal) && !l.StartsWith("at Candor.FunctionalTests.", StringComparison.Ordinal));

    private void OnUnobserved(object? sender, UnobservedTaskExceptionEventArgs e)
    {
        lock (_seen)
        {
            _seen.Add(e.Exception);
        }
    }
}
