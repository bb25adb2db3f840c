namespace Candor.Core.WebConsole;

/// <summary>One failed-attempt counter (<see cref="IAttemptCounters"/>): its window's start and the failures in it.</summary>
internal sealed record AttemptCount(DateTimeOffset WindowStart, int Failures);
