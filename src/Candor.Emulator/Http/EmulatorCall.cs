using Candor.Emulator.Faults;
using Microsoft.AspNetCore.Http;

namespace Candor.Emulator.Http;

/// <summary>One request in flight: the HTTP context, its body, the route path and the spec from the path and the fault queue.</summary>
internal sealed class EmulatorCall
{
    public required HttpContext Http { get; init; }
    public required byte[] Body { get; init; }
    public required string Path { get; init; }
    public required FaultSpec Spec { get; init; }
    public required EmulatorOptions Options { get; init; }

    public required EmulatorJournal Journal { get; init; }

    /// <summary>Cancelled when the client goes away or the emulator stops.</summary>
    public required CancellationToken Aborted { get; init; }

    public string? Header(string name)
    {
        var value = Http.Request.Headers[name];
        return value.Count == 0 ? null : value[0];
    }

    public string? QueryValue(string name)
    {
        var value = Http.Request.Query[name];
        return value.Count == 0 ? null : value[0];
    }

    /// <summary>True when no key is required or <paramref name="presented"/> equals it.</summary>
    public bool KeyMatches(string? presented) =>
        Options.RequiredApiKey is not { Length: > 0 } required || string.Equals(presented, required, StringComparison.Ordinal);
}
