namespace Candor.Server.Cli;

/// <summary>The environment variables the CLI reads: the process's, unless the caller of
/// <see cref="CandorCli.RunAsync(string[], TextWriter, TextWriter, Func{string, string?}, CancellationToken)"/> gave the
/// call its own (a test host that runs the CLI in-process on its store while other hosts do the same in parallel).</summary>
internal static class CliEnvironment
{
    private static readonly AsyncLocal<Func<string, string?>?> Given = new();

    /// <summary>The value of <paramref name="name"/>, or null when unset.</summary>
    public static string? Get(string name) => (Given.Value ?? Environment.GetEnvironmentVariable)(name);

    /// <summary>Makes <paramref name="environment"/> the one <see cref="Get"/> reads in the calling async flow (and the
    /// flows it starts) until the returned scope is disposed.</summary>
    public static IDisposable Use(Func<string, string?> environment)
    {
        var previous = Given.Value;
        Given.Value = environment;
        return new Scope(previous);
    }

    private sealed class Scope(Func<string, string?>? previous) : IDisposable
    {
        public void Dispose() => Given.Value = previous;
    }
}
