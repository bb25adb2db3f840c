using System.Text.Json;
using Candor.FunctionalTests.Infrastructure;
using Candor.Server.Cli;
using Microsoft.Extensions.Logging;

namespace Candor.FunctionalTests.Operations;

/// <summary>Every command refuses options it does not declare, repeated options and a value option without its value,
/// naming them, before it changes anything (issue 13, item 12).</summary>
public sealed class CliStrictnessTests : IDisposable
{
    private readonly string _data = Directory.CreateTempSubdirectory("candor-strict-").FullName;

    public void Dispose() => Directory.Delete(_data, recursive: true);

    private Task<(int Code, string Out, string Err)> RunAsync(params string[] args) => InProcessCli.RunAsync(_data, args);

    [Fact]
    public async Task MisspelledRateLimit_IsRefusedAndNoKeyIsCreated()
    {
        Assert.Equal(0, (await RunAsync("init")).Code);
        string account = JsonDocument.Parse((await RunAsync("accounts", "create", "--name", "A")).Out).RootElement.GetProperty("id").GetString()!;

        var refused = await RunAsync("keys", "create", "--account", account, "--name", "k", "--rmp", "600");

        Assert.Equal(2, refused.Code);
        Assert.Contains("'--rmp' (did you mean --rpm?)", refused.Err, StringComparison.Ordinal);
        Assert.Equal("", (await RunAsync("keys", "list", "--account", account)).Out.Trim());
    }

    [Fact]
    public async Task MisspelledRegion_IsRefusedAndNoChannelIsStored()
    {
        Assert.Equal(0, (await RunAsync("init")).Code);

        var refused = await RunAsync("channels", "add", "--id", "c1", "--provider", "openai", "--base-url", "http://127.0.0.1:9/v1", "--regoin", "eu");

        Assert.Equal(2, refused.Code);
        Assert.Contains("'--regoin' (did you mean --region?)", refused.Err, StringComparison.Ordinal);
        Assert.Equal("", (await RunAsync("channels", "list")).Out.Trim());
    }

    [Theory]
    [InlineData(new[] { "accounts", "create", "--name", "A", "--name", "B" }, "--name is given more than once")]
    [InlineData(new[] { "accounts", "create", "--name", "A", "--colour", "red", "--zzzzzzzz", "1" }, "unknown options '--colour', '--zzzzzzzz' for 'accounts create'")]
    [InlineData(new[] { "accounts", "create", "--name", "--group", "pro" }, "--name needs a value")]
    [InlineData(new[] { "accounts", "list", "--name", "A" }, "unknown option '--name' for 'accounts list'")]
    [InlineData(new[] { "topup", "--account", "acct_x", "--amount", "1", "--dry-run" }, "unknown option '--dry-run'")]
    [InlineData(new[] { "usage", "--account", "acct_x", "stray" }, "unexpected argument 'stray'")]
    [InlineData(new[] { "channels", "update", "--id", "c1", "--credential-stdin", "--credential-stdin" }, "--credential-stdin is given more than once")]
    [InlineData(new[] { "channels", "add", "--id", "c1", "--clear-credential" }, "unknown option '--clear-credential' for 'channels add'")]
    [InlineData(new[] { "privacy", "set", "--account", "acct_x", "--region", "cn" }, "'--region' (did you mean --regions?)")]
    [InlineData(new[] { "master-key", "rotate", "--force" }, "unknown option '--force'")]
    [InlineData(new[] { "verify", "checkpoint", "--checkpoint", "x", "--key", "k", "--data2", "y" }, "unknown options '--data2', '--data' for 'verify checkpoint'")]
    [InlineData(new[] { "verify", "receipt", "--key", "k" }, "takes the receipt FILE")]
    public async Task BadOptions_Exit2NamingThem(string[] args, string message)
    {
        Assert.Equal(0, (await RunAsync("init")).Code);

        var result = await RunAsync(args);

        Assert.Equal(2, result.Code);
        Assert.StartsWith("candor: ", result.Err, StringComparison.Ordinal);
        Assert.Contains(message, result.Err, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--demo --data /tmp/x")]
    [InlineData("--config candor.yaml --demo")]
    public void ServeDemo_RefusesOptionsItWouldIgnore(string line)
    {
        var e = Assert.Throws<ArgumentException>(() => CandorCli.ParseServe(CliArgs.Parse("serve", line.Split(' '))));
        Assert.Contains("--demo keeps no data directory", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new[] { "--port", "8080" }, "unknown option '--port'")]
    [InlineData(new[] { "--urls", "http://127.0.0.1:1", "--urls", "http://127.0.0.1:2" }, "--urls is given more than once")]
    [InlineData(new[] { "--log-level", "chatty" }, "--log-level must be one of")]
    [InlineData(new[] { "--demo", "yes" }, "unexpected argument 'yes'")]
    [InlineData(new[] { "--tls-cert", "c.pem" }, "--tls-cert and --tls-key go together")]
    public void Serve_RefusesBadOptions(string[] args, string message)
    {
        var e = Assert.Throws<ArgumentException>(() => CandorCli.ParseServe(CliArgs.Parse("serve", args)));
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Serve_ReadsEveryDeclaredOption()
    {
        var options = CandorCli.ParseServe(CliArgs.Parse("serve",
            ["--config", "c.yaml", "--urls", "https://127.0.0.1:8443", "--data", "d", "--log-level", "debug", "--no-watch", "--tls-cert", "c.pem", "--tls-key", "k.pem"]));

        Assert.Equal(("c.yaml", "https://127.0.0.1:8443", "d", LogLevel.Debug, false, "c.pem", "k.pem"),
            (options.ConfigPath, options.Urls, options.DataDirectory, options.LogLevel, options.Watch, options.TlsCertificateFile, options.TlsKeyFile));
    }
}
