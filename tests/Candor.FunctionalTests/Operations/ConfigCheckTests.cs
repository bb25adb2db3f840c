using Candor.FunctionalTests.Infrastructure;
using Candor.Server.Cli;

namespace Candor.FunctionalTests.Operations;

/// <summary><c>candor config check [FILE]</c> (docs/configuration.md): every error of a file, each with its line and
/// column, in one run; the shipped sample (docs/candor.sample.yaml) is valid.</summary>
public sealed class ConfigCheckTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("candor-config-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task FileWithThreeErrors_EachPrintedWithLineAndColumn_Exit1()
    {
        string path = Path.Combine(_dir, "bad.yaml");
        await File.WriteAllTextAsync(path, """
            server:
              data_dir: data
              max_attempts: 0
            telemetry:
              log_format: xml
            channels:
              - { id: c, provider: openai, base_url: "http://127.0.0.1:9/v1" }
            models:
              - { name: m, deployments: [{ channel: nope, model: x }] }
            """, Json.Timeout());
        var (code, output, error) = await RunAsync("config", "check", path);
        Assert.Equal(1, code);
        Assert.Equal("", output);
        Assert.Contains("(3 errors)", error, StringComparison.Ordinal);
        string at = System.Text.RegularExpressions.Regex.Escape(path);
        Assert.Matches($@"(?m)^  {at}:3:\d+: server\.max_attempts: expected an integer between 1 and 10", error);
        Assert.Matches($@"(?m)^  {at}:5:\d+: telemetry\.log_format: expected text or json", error);
        Assert.Matches($@"(?m)^  {at}:9:\d+: .*nope", error);
    }

    [Fact]
    public async Task ShippedSample_IsValid()
    {
        string sample = Path.Combine(RepositoryRoot(), "docs", "candor.sample.yaml");
        var output = new StringWriter();
        var error = new StringWriter();
        int code = await ConfigCommands.CheckAsync(sample, output, error, static name => name.EndsWith("_KEY", StringComparison.Ordinal) ? "sk-sample-value-0123456789" : null);
        Assert.True(code == 0, error.ToString());
        Assert.Contains("valid (", output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task MissingFile_Exit1_NamesIt()
    {
        var (code, _, error) = await RunAsync("config", "check", Path.Combine(_dir, "none.yaml"));
        Assert.Equal(1, code);
        Assert.Contains("no configuration file at", error, StringComparison.Ordinal);
        Assert.Contains("--demo", ConfigCommands.HowToStart("candor.yaml"), StringComparison.Ordinal);
    }

    private static async Task<(int Code, string Output, string Error)> RunAsync(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int code = await CandorCli.RunAsync(args, output, error, Json.Timeout());
        return (code, output.ToString(), error.ToString());
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Candor.slnx")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Candor.slnx not found above " + AppContext.BaseDirectory);
    }
}
