namespace Candor.Core.WebConsole;

/// <summary>One counter an attempt is counted on (<see cref="AttemptTicket"/>) and how many attempts it allows per window.</summary>
internal readonly record struct AttemptLimit(string Key, int Bound);
