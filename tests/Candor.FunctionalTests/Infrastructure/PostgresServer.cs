using System.Diagnostics;
using System.Globalization;

namespace Candor.FunctionalTests.Infrastructure;

/// <summary>A PostgreSQL of its own (initdb and pg_ctl on a temporary directory and a free loopback port, as .ci/run starts
/// the shared one), for a test that stops and starts the database under load without disturbing the other tests'
/// database. Runs the server as the <c>postgres</c> user when the tests run as root (PostgreSQL refuses root).</summary>
internal sealed class PostgresServer : IAsyncDisposable
{
    private readonly string _dir;
    private readonly string _bin;

    private PostgresServer(string dir, string bin, int port)
    {
        _dir = dir;
        _bin = bin;
        Port = port;
    }

    /// <summary>The directory of the newest installed PostgreSQL's binaries, or null.</summary>
    public static string? Binaries { get; } = Directory.Exists("/usr/lib/postgresql")
        ? Directory.GetDirectories("/usr/lib/postgresql").Select(static d => Path.Combine(d, "bin")).Where(static d => File.Exists(Path.Combine(d, "pg_ctl")))
            .OrderBy(static d => int.TryParse(Path.GetFileName(Path.GetDirectoryName(d)), CultureInfo.InvariantCulture, out int v) ? v : 0).LastOrDefault()
        : null;

    public int Port { get; }

    /// <summary>The connection string of its <c>postgres</c> database (C collation: <c>initdb --no-locale</c>).</summary>
    public string ConnectionString => $"Host=127.0.0.1;Port={Port};Username=postgres;Database=postgres";

    public static async Task<PostgresServer> StartAsync(CancellationToken ct)
    {
        string bin = Binaries ?? throw new InvalidOperationException("PostgreSQL is not installed (apt-get install postgresql; .ci/run does)");
        string dir = Directory.CreateTempSubdirectory("candor-pg-").FullName;
        var server = new PostgresServer(dir, bin, CandorProcess.FreePort());
        if (Environment.UserName == "root")
        {
            await RunAsync("chown", ["postgres", dir], ct);
        }

        await server.AsPostgresAsync("initdb", ["-D", Path.Combine(dir, "data"), "-A", "trust", "-U", "postgres", "--no-locale", "-E", "UTF8"], ct);
        await server.StartAgainAsync(ct);
        return server;
    }

    /// <summary>Starts the server (again) on its port with its data; returns once it accepts connections.</summary>
    public Task StartAgainAsync(CancellationToken ct) =>
        AsPostgresAsync("pg_ctl", ["-D", Path.Combine(_dir, "data"), "-l", Path.Combine(_dir, "log"), "-w", "-o",
            $"-p {Port} -k {_dir} -c listen_addresses=127.0.0.1 -c fsync=off", "start"], ct);

    /// <summary>Stops the server (fast shutdown: sessions are disconnected, transactions rolled back).</summary>
    public Task StopAsync(CancellationToken ct) =>
        AsPostgresAsync("pg_ctl", ["-D", Path.Combine(_dir, "data"), "-m", "fast", "-w", "stop"], ct);

    public async ValueTask DisposeAsync()
    {
        try
        {
            await AsPostgresAsync("pg_ctl", ["-D", Path.Combine(_dir, "data"), "-m", "immediate", "stop"], CancellationToken.None);
        }
        catch (InvalidOperationException)
        {
            // Not running.
        }

        Directory.Delete(_dir, recursive: true);
    }

    private Task AsPostgresAsync(string tool, string[] arguments, CancellationToken ct) =>
        Environment.UserName == "root"
            ? RunAsync("runuser", ["-u", "postgres", "--", Path.Combine(_bin, tool), .. arguments], ct)
            : RunAsync(Path.Combine(_bin, tool), arguments, ct);

    /// <summary>Runs a tool with its output in a file (pg_ctl's server keeps inherited pipes open; a file it may keep).</summary>
    private static async Task RunAsync(string file, string[] arguments, CancellationToken ct)
    {
        string output = Path.Combine(Path.GetTempPath(), "candor-pg-" + Guid.NewGuid().ToString("N") + ".out");
        var info = new ProcessStartInfo("sh") { UseShellExecute = false };
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add("exec \"$0\" \"$@\" >\"$CANDOR_PG_OUT\" 2>&1 </dev/null");
        info.ArgumentList.Add(file);
        foreach (string argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        info.Environment["CANDOR_PG_OUT"] = output;
        try
        {
            using var process = Process.Start(info)!;
            await process.WaitForExitAsync(ct);
            if (process.ExitCode != 0)
            {
                throw new InvalidOperationException($"{Path.GetFileName(file)} {string.Join(' ', arguments)} exited with {process.ExitCode}: {(File.Exists(output) ? await File.ReadAllTextAsync(output, ct) : "")}");
            }
        }
        finally
        {
            File.Delete(output);
        }
    }
}
