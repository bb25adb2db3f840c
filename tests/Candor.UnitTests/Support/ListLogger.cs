using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Candor.UnitTests.Support;

/// <summary>A logger that keeps every formatted line (with its event id), for tests that check what operators are told.</summary>
public sealed class ListLogger<T> : ILogger<T>
{
    private readonly ConcurrentQueue<(int EventId, LogLevel Level, string Message)> _lines = new();

    /// <summary>The lines written so far, oldest first.</summary>
    public IReadOnlyList<(int EventId, LogLevel Level, string Message)> Lines => _lines.ToArray();

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
        _lines.Enqueue((eventId.Id, logLevel, formatter(state, exception)));
}
