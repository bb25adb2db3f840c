using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using Candor.Core.Audit;
using Candor.Core.Transparency;
using Candor.Server.Cli;

namespace Candor.FunctionalTests.Transparency;

/// <summary><c>candor monitor --incremental</c> downloads only the tiles that are new since the checkpoint it verified
/// (the roots of the others are kept beside its state); an edit to a file it verified before is seen by a full check
/// (the documented trade-off; a fork and a rollback: <c>WitnessMonitorTests.IncrementalMonitor_CatchesARollbackAndAFork</c>).
/// Both modes read the audit verdicts among the entries and report one the auditor could not have written, although
/// the log signed it.</summary>
public sealed class MonitorIncrementalTests : IDisposable
{
    private const string Origin = "candor.test/log";
    private readonly string _dir = Directory.CreateTempSubdirectory("candor-mi-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string LogDirectory => Path.Combine(_dir, "data", "log");

    private string State => Path.Combine(_dir, "monitor.checkpoint");

    private static CancellationToken Timeout() => new CancellationTokenSource(TimeSpan.FromSeconds(120)).Token;

    private static async Task AppendAsync(ITransparencyLog log, int from, int to, string prefix, CancellationToken ct) =>
        await Task.WhenAll(Enumerable.Range(from, to - from).Select(i => log.AppendAsync(Encoding.ASCII.GetBytes($"{prefix}-{i}"), ct).AsTask()));

    private static async Task CheckpointAsync(HttpClient client, long size, CancellationToken ct)
    {
        while (Encoding.UTF8.GetString(await client.GetByteArrayAsync("/log/checkpoint", ct)).Split('\n')[1] != size.ToString(CultureInfo.InvariantCulture))
        {
            await Task.Delay(25, ct);
        }
    }

    /// <summary>Runs the monitor once over HTTP, recording the paths it fetched.</summary>
    private async Task<(int Code, string Report, IReadOnlyCollection<string> Fetched)> MonitorAsync(LogHost host, bool incremental, CancellationToken ct)
    {
        using var recorder = new Recorder();
        using var output = new StringWriter();
        string[] options = ["--key", host.VerifierKey, "--state", State, .. incremental ? new[] { "--incremental" } : []];
        int code = await MonitorCommand.RunAsync(new Uri(host.Client.BaseAddress!, "/log/").ToString(), CliArgs.Parse("monitor", options), output, ct, recorder);
        return (code, output.ToString(), recorder.Paths);
    }

    [Fact]
    public async Task Incremental_DownloadsOnlyNewTiles_AndAFullCheckStillSeesAnOldEdit()
    {
        var ct = Timeout();
        await using var host = await LogHost.StartAsync(_dir, Origin, "200ms");
        await AppendAsync(host.Log, 0, 600, "e", ct);
        await CheckpointAsync(host.Client, 600, ct);

        // No kept roots yet: the first check reads the whole tree.
        var (code, report, fetched) = await MonitorAsync(host, incremental: true, ct);
        Assert.True(code == 0, report);
        Assert.Contains("\"mode\":\"full\"", report, StringComparison.Ordinal);
        Assert.Contains("/log/tile/0/000", fetched);
        Assert.True(File.Exists(State + ".hashes"));

        await AppendAsync(host.Log, 600, 1100, "e", ct);
        await CheckpointAsync(host.Client, 1100, ct);
        (code, report, fetched) = await MonitorAsync(host, incremental: true, ct);
        Assert.True(code == 0, report);
        Assert.Contains("\"mode\":\"incremental\",\"downloaded\":7", report, StringComparison.Ordinal);
        Assert.Contains("\"old_size\":600,\"tree_size\":1100", report, StringComparison.Ordinal);
        string[] expected = ["/log/checkpoint", "/log/tile/0/002", "/log/tile/entries/002", "/log/tile/0/003", "/log/tile/entries/003", "/log/tile/0/004.p/76", "/log/tile/entries/004.p/76", "/log/tile/1/000.p/4"];
        Assert.Equal(expected.Order(StringComparer.Ordinal), fetched.Order(StringComparer.Ordinal));

        // tile/0/000 was verified before: only a full check downloads it again and sees the edit.
        string path = Path.Combine(LogDirectory, "tile", "0", "000");
        byte[] original = await File.ReadAllBytesAsync(path, ct);
        byte[] edited = (byte[])original.Clone();
        edited[77] ^= 0x01;
        await File.WriteAllBytesAsync(path, edited, ct);
        (code, report, _) = await MonitorAsync(host, incremental: true, ct);
        Assert.True(code == 0, report);
        (code, report, _) = await MonitorAsync(host, incremental: false, ct);
        Assert.Equal(1, code);
        Assert.Contains("\"verdict\":\"edited\"", report, StringComparison.Ordinal);
        Assert.Contains("tile/0/000:", report, StringComparison.Ordinal);
        await File.WriteAllBytesAsync(path, original, ct);
        (code, report, _) = await MonitorAsync(host, incremental: false, ct);
        Assert.True(code == 0, report);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task VerdictTheLogSigned_ButTheAuditorCouldNotHaveWritten_IsReported(bool incremental)
    {
        var ct = Timeout();
        await using var host = await LogHost.StartAsync(_dir, Origin, "200ms");
        var time = new DateTimeOffset(2026, 12, 6, 8, 0, 0, TimeSpan.Zero);
        var failed = new AuditVerdict("cheap", "gpt-4o", "trusted", "model", 16.49, 11.71, 0.001, 0.01 / 3, 50, 50, AuditDecision.Fail, 2, time) { Evidence = 4, EvidenceRounds = 2 };
        await AppendAsync(host.Log, 0, 300, "e", ct);
        await host.Log.AppendAsync(failed.ToCanonicalJson(), ct);
        await CheckpointAsync(host.Client, 301, ct);
        var (code, report, _) = await MonitorAsync(host, incremental, ct);
        Assert.True(code == 0, report);
        Assert.Contains("\"verdicts_checked\":1", report, StringComparison.Ordinal);

        // The operator hides the failure: the verdict goes into the log as a pass, and the log signs it.
        byte[] hidden = Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(failed.ToCanonicalJson()).Replace("\"decision\":\"fail\"", "\"decision\":\"pass\"", StringComparison.Ordinal));
        await AppendAsync(host.Log, 301, 310, "e", ct);
        await host.Log.AppendAsync(hidden, ct);
        await CheckpointAsync(host.Client, 311, ct);
        (code, report, _) = await MonitorAsync(host, incremental, ct);
        Assert.Equal(1, code);
        Assert.Contains("\"verdict\":\"bad_entry\"", report, StringComparison.Ordinal);
        Assert.Contains("entry 310 (tile/entries/001.p/55 #54): pass although p_value 0.001", report, StringComparison.Ordinal);

        // The state did not move: the next check reports it again.
        (code, report, _) = await MonitorAsync(host, incremental, ct);
        Assert.Equal(1, code);
        Assert.Contains("\"old_size\":301,\"tree_size\":311", report, StringComparison.Ordinal);
    }

    /// <summary>Passes requests to the network and records their paths.</summary>
    private sealed class Recorder() : DelegatingHandler(new SocketsHttpHandler())
    {
        private readonly ConcurrentQueue<string> _paths = new();

        public IReadOnlyCollection<string> Paths => _paths;

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            _paths.Enqueue(request.RequestUri!.AbsolutePath);
            return base.SendAsync(request, cancellationToken);
        }
    }
}
