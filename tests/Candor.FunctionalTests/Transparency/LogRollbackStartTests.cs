using System.Globalization;
using System.Net;
using System.Text;
using Candor.Core.Configuration;
using Candor.Transparency.Log;

namespace Candor.FunctionalTests.Transparency;

/// <summary>Candor refuses to start when its log is behind what it signed or handed out: receipts whose log index is
/// in the database (and on their readers' screens), and the last checkpoint kept apart from the log. The real server
/// over one data directory, stopped, changed the way an operator could, and started again.</summary>
public sealed class LogRollbackStartTests : IDisposable
{
    private const string Origin = "candor.test/log";
    private readonly string _dir = Directory.CreateTempSubdirectory("candor-log-rb-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string LogDirectory => Path.Combine(_dir, "data", "log");

    private string AnchorFile => Path.Combine(_dir, "data", "log.checkpoint");

    private static CancellationToken Timeout() => new CancellationTokenSource(TimeSpan.FromSeconds(120)).Token;

    /// <summary>Sends <paramref name="count"/> chat requests and waits until each receipt has its log index.</summary>
    private async Task<long> ReceiptsInTheLogAsync(int count, CancellationToken ct)
    {
        await using var host = await LogHost.StartAsync(_dir, Origin, "200ms");
        using var client = new HttpClient { BaseAddress = host.Client.BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
        client.DefaultRequestHeaders.Add("Authorization", "Bearer " + LogHost.Key);
        long highest = -1;
        for (int i = 0; i < count; i++)
        {
            using var response = await client.PostAsync("/v1/chat/completions", new StringContent("""{"model":"m","messages":[{"role":"user","content":"hi"}]}""", Encoding.UTF8, "application/json"), ct);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            string id = response.Headers.GetValues("x-candor-receipt").Single();
            while (true)
            {
                using var receipt = await client.GetAsync("/v1/receipts/" + id, ct);
                if (receipt.Headers.TryGetValues("x-candor-log-index", out var index))
                {
                    highest = Math.Max(highest, long.Parse(index.Single(), CultureInfo.InvariantCulture));
                    break;
                }

                await Task.Delay(25, ct);
            }
        }

        return highest;
    }

    private async Task<string> RefusedAsync()
    {
        var e = await Assert.ThrowsAnyAsync<Exception>(() => LogHost.StartAsync(_dir, Origin));
        var config = e as ConfigException ?? e.InnerException as ConfigException;
        Assert.True(config is not null, $"expected a configuration error, got {e}");
        return config!.Message;
    }

    [Fact]
    public async Task Restart_WithTheLogIntact_Starts()
    {
        var ct = Timeout();
        await ReceiptsInTheLogAsync(2, ct);
        await using var host = await LogHost.StartAsync(_dir, Origin);
        Assert.True(File.Exists(AnchorFile));
    }

    [Fact]
    public async Task LogWiped_IsRefusedByTheKeptCheckpoint()
    {
        var ct = Timeout();
        await ReceiptsInTheLogAsync(3, ct);
        Directory.Delete(LogDirectory, recursive: true);
        string message = await RefusedAsync();
        Assert.Contains("log.checkpoint", message, StringComparison.Ordinal);
        Assert.Contains("Restore the log directory", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task LogAndKeptCheckpointWiped_IsRefusedByTheDatabase()
    {
        var ct = Timeout();
        long index = await ReceiptsInTheLogAsync(3, ct);
        Directory.Delete(LogDirectory, recursive: true);
        File.Delete(AnchorFile);
        string message = await RefusedAsync();
        Assert.Contains($"at log index {index}, but the log holds only 0 entries", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task LogRebuiltWithOtherEntries_IsRefusedByTheDatabaseAsAFork()
    {
        var ct = Timeout();
        long index = await ReceiptsInTheLogAsync(3, ct);

        // The operator rebuilds a log of the same length with other leaves (and drops the kept checkpoint).
        Directory.Delete(LogDirectory, recursive: true);
        File.Delete(AnchorFile);
        await using (var log = await TileLog.OpenAsync(new TransparencyLogOptions { Directory = LogDirectory, Origin = Origin, AuditInterval = TimeSpan.Zero }, null, ct))
        {
            var appends = Enumerable.Range(0, (int)index + 1).Select(i => log.AppendAsync(Encoding.ASCII.GetBytes($"other-{i}"), ct).AsTask()).ToList();
            await Task.WhenAll(appends);
            await log.FlushAsync(ct);
        }

        string message = await RefusedAsync();
        Assert.Contains($"log index {index} does not hold receipt", message, StringComparison.Ordinal);
        Assert.Contains("a fork", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task FlippedByteInAFullTile_IsRefusedAtStart()
    {
        var ct = Timeout();
        await using (var host = await LogHost.StartAsync(_dir, Origin))
        {
            var appends = Enumerable.Range(0, 300).Select(i => host.Log.AppendAsync(Encoding.ASCII.GetBytes($"e-{i}"), ct).AsTask()).ToList();
            await Task.WhenAll(appends);
        }

        string tile = Path.Combine(LogDirectory, "tile", "0", "000");
        byte[] bytes = await File.ReadAllBytesAsync(tile, ct);
        bytes[100] ^= 0x01;
        await File.WriteAllBytesAsync(tile, bytes, ct);
        string message = await RefusedAsync();
        Assert.Contains("tile/0/000:", message, StringComparison.Ordinal);
    }
}
