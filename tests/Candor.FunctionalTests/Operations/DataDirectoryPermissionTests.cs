using Candor.Server.Cli;
using Candor.Storage;
using Candor.FunctionalTests.Infrastructure;
using Microsoft.Extensions.Logging;

namespace Candor.FunctionalTests.Operations;

/// <summary>Everything Candor keeps in its data directory is owner-only (0600 files, 0700 directories), including a
/// directory an older version left open, and the operator is warned when it was open (issue 13, item 14).</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class DataDirectoryPermissionTests : IDisposable
{
    private const UnixFileMode OwnerFile = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode OwnerDirectory = OwnerFile | UnixFileMode.UserExecute;
    private const UnixFileMode OpenFile = OwnerFile | UnixFileMode.GroupRead | UnixFileMode.OtherRead;
    private const UnixFileMode OpenDirectory = OwnerDirectory | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute;

    private readonly string _dir = Directory.CreateTempSubdirectory("candor-perm-").FullName;

    private string Data => Path.Combine(_dir, "data");

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static void AssertOwnerOnly(string directory)
    {
        Assert.Equal(OwnerDirectory, File.GetUnixFileMode(directory));
        foreach (string entry in Directory.EnumerateFileSystemEntries(directory, "*", SearchOption.AllDirectories))
        {
            var expected = Directory.Exists(entry) ? OwnerDirectory : OwnerFile;
            Assert.True(File.GetUnixFileMode(entry) == expected, $"{entry} is {File.GetUnixFileMode(entry)}");
        }
    }

    [Fact]
    public async Task NewDataDirectory_DatabaseWalAndShmAreOwnerOnly()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var boot = await StoreBootstrap.InitializeAsync(Data, TimeProvider.System, cts.Token);
        using (boot.Store)
        {
            Assert.True(File.Exists(Path.Combine(Data, "candor.db-wal")), "the store is open in WAL mode");
            AssertOwnerOnly(Data);
            Assert.False(boot.Permissions.WasOpen);
        }
    }

    [Fact]
    public async Task ExistingOpenDirectory_IsTightenedAtStartAndTheOperatorWarned()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var output = new StringWriter();
        Assert.Equal(0, await CandorCli.RunAsync(["init", "--data", Data], output, output, cts.Token));
        // What an older version (or a careless copy) leaves: everything readable by others, a log directory among it.
        string tiles = Directory.CreateDirectory(Path.Combine(Data, "log", "tile", "0")).FullName;
        await File.WriteAllTextAsync(Path.Combine(tiles, "000"), "tile", cts.Token);
        await File.WriteAllTextAsync(Path.Combine(Data, "candor.db-wal"), "", cts.Token);
        foreach (string entry in Directory.EnumerateFileSystemEntries(Data, "*", SearchOption.AllDirectories).Append(Data))
        {
            File.SetUnixFileMode(entry, Directory.Exists(entry) ? OpenDirectory : OpenFile);
        }

        await using var app = await CandorTestHost.Create().OnSqlite("the modes of candor.db and its WAL").InDirectory(_dir).ServeData().CaptureLogs(LogLevel.Warning).Yaml($$"""
            server:
              data_dir: {{Data}}
            channels:
              - id: nowhere
                provider: openai
                base_url: http://127.0.0.1:9/v1
            models:
              - name: m
                deployments: [{ channel: nowhere, model: gpt-4o-mini }]
            """).StartAsync(cts.Token);
        var logs = app.Logs;

        AssertOwnerOnly(Data);
        Assert.Contains(logs.Lines, l => l.Contains("[2000]", StringComparison.Ordinal) && l.Contains(Data, StringComparison.Ordinal));
    }

    [Fact]
    public async Task CliCommands_KeepTheDirectoryOwnerOnly()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var output = new StringWriter();
        Assert.Equal(0, await CandorCli.RunAsync(["init", "--data", Data], output, output, cts.Token));
        File.SetUnixFileMode(Path.Combine(Data, "candor.db"), OpenFile);
        Assert.Equal(0, await CandorCli.RunAsync(["accounts", "create", "--name", "A", "--data", Data], output, output, cts.Token));
        AssertOwnerOnly(Data);
    }
}
