using Candor.Server.Cli;

namespace Candor.FunctionalTests.Infrastructure;

/// <summary>The real CLI run in-process on a data directory, as <c>candor &lt;args&gt; --data DIR</c> runs it, under a
/// 30-second timeout.</summary>
internal static class InProcessCli
{
    /// <summary>The exit code and what the command wrote to stdout and stderr.</summary>
    public static Task<(int Code, string Out, string Err)> RunAsync(string dataDirectory, params string[] args) =>
        RunAsync(dataDirectory, System.Environment.GetEnvironmentVariable, args);

    /// <summary>The same, reading <paramref name="environment"/> instead of the process's environment variables (a
    /// host's PostgreSQL store: <see cref="CandorTestHost.RunCliAsync"/>).</summary>
    public static async Task<(int Code, string Out, string Err)> RunAsync(string dataDirectory, Func<string, string?> environment, params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        int code = await CandorCli.RunAsync([.. args, "--data", dataDirectory], output, error, environment, cts.Token);
        return (code, output.ToString(), error.ToString());
    }
}
