using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Candor.FunctionalTests.Infrastructure;

namespace Candor.FunctionalTests.Transparency;

/// <summary>kill -9 during appends: a process appends to the log as fast as it can and is killed with SIGKILL, twice;
/// then Candor opens the same log and serves it. Every acknowledged entry must be in the log at its acknowledged
/// index, and the new checkpoint must be consistent with the last one published before the crash (checked by the
/// independent verifier over HTTP).</summary>
public sealed class LogCrashTests : IAsyncLifetime
{
    private const string Origin = "candor.test/crash";
    private string _dir = null!;

    public Task InitializeAsync()
    {
        _dir = Directory.CreateTempSubdirectory("candor-logcrash-").FullName;
        return Task.CompletedTask;
    }

    public Task DisposeAsync()
    {
        Directory.Delete(_dir, recursive: true);
        return Task.CompletedTask;
    }

    private async Task<byte[]> AppendThenKillAsync(ConcurrentDictionary<long, string> acked, int atLeast, CancellationToken ct)
    {
        string logDir = Path.Combine(_dir, "data", "log");
        var info = new ProcessStartInfo("dotnet")
        {
            ArgumentList = { Path.Combine(AppContext.BaseDirectory, "Candor.TransparencyCrashHost.dll"), logDir, Origin },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using var process = Process.Start(info)!;
        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        int before = acked.Count;
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is not { } line)
            {
                return;
            }

            if (line.StartsWith("ready", StringComparison.Ordinal))
            {
                ready.TrySetResult();
            }
            else if (line.StartsWith("ack ", StringComparison.Ordinal))
            {
                string[] parts = line.Split(' ');
                Assert.True(acked.TryAdd(long.Parse(parts[1], CultureInfo.InvariantCulture), parts[2]), $"index {parts[1]} acknowledged twice");
            }
        };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await ready.Task.WaitAsync(ct);
            string checkpointPath = Path.Combine(logDir, "checkpoint");
            byte[] published = [];
            while (acked.Count - before < atLeast || published.Length == 0)
            {
                await Task.Delay(50, ct);
                published = File.Exists(checkpointPath) ? await File.ReadAllBytesAsync(checkpointPath, ct) : [];
            }

            // A checkpoint published before the kill, read while appends and integrations continue.
            published = await File.ReadAllBytesAsync(checkpointPath, ct);
            await Task.Delay(Random.Shared.Next(50, 300), ct);
            return published;
        }
        finally
        {
            process.Kill(entireProcessTree: false); // SIGKILL
            await process.WaitForExitAsync(ct);
        }
    }

    [Fact]
    public async Task KillMinus9DuringAppends_KeepsEveryAcknowledgedEntryAndConsistentCheckpoints()
    {
        var ct = Json.Timeout(180);
        var acked = new ConcurrentDictionary<long, string>();
        await AppendThenKillAsync(acked, 1500, ct);
        byte[] beforeKill = await AppendThenKillAsync(acked, 1500, ct);

        await using var host = await LogHost.StartAsync(_dir, Origin);
        string key = host.VerifierKey;
        Assert.Null(IndependentVerifier.Checkpoint(key, beforeKill, out var old));
        byte[] note = await host.Client.GetByteArrayAsync("/log/checkpoint", ct);
        Assert.Null(IndependentVerifier.Checkpoint(key, note, out var now));

        // Entries durable but not integrated at the kill are integrated on open: the checkpoint covers every ack.
        long highest = acked.Keys.Max();
        Assert.True(now!.Size > highest, $"checkpoint size {now.Size} does not cover acknowledged index {highest}");
        Assert.True(now.Size >= old!.Size);

        // Every acknowledged entry sits at its index in the entry bundles, whose leaf hashes are the level-0 tiles.
        var leaves = new List<byte[]>();
        for (long tile = 0; tile * 256 < now.Size; tile++)
        {
            int width = (int)Math.Min(256, now.Size - (tile * 256));
            byte[] bundle = await host.Client.GetByteArrayAsync("/log/" + IndependentVerifier.TilePath("entries", tile, width), ct);
            byte[] hashes = await host.Client.GetByteArrayAsync("/log/" + IndependentVerifier.TilePath("0", tile, width), ct);
            int at = 0;
            for (int i = 0; i < width; i++)
            {
                int length = (bundle[at] << 8) | bundle[at + 1];
                byte[] entry = bundle[(at + 2)..(at + 2 + length)];
                at += 2 + length;
                long index = (tile * 256) + i;
                if (acked.TryGetValue(index, out string? expected))
                {
                    Assert.Equal(expected, Encoding.ASCII.GetString(entry));
                }

                Assert.Equal(hashes[(i * 32)..((i + 1) * 32)], IndependentVerifier.LeafHash(entry));
                leaves.Add(IndependentVerifier.LeafHash(entry));
            }
        }

        Assert.Equal(now.Root, IndependentVerifier.RootOf(leaves, 0, leaves.Count));

        // Proofs for a sample of acknowledged entries, and consistency with the checkpoint from before the kill.
        foreach (var (index, entry) in acked.OrderBy(static _ => Random.Shared.Next()).Take(20))
        {
            byte[] proof = await host.Client.GetByteArrayAsync($"/log/proof/{index}", ct);
            Assert.Null(IndependentVerifier.TlogProof(key, Origin, Encoding.ASCII.GetBytes(entry), proof));
        }

        if (old.Size < now.Size)
        {
            using var response = await host.Client.GetAsync($"/log/proof/consistency?from={old.Size}&to={now.Size}", ct);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync(ct));
            var hashes = doc.RootElement.GetProperty("proof").EnumerateArray().Select(static e => e.GetBytesFromBase64()).ToList();
            Assert.Null(IndependentVerifier.Consistency(old.Size, now.Size, old.Root, now.Root, hashes));
        }
        else
        {
            Assert.Equal(old.Root, now.Root);
        }
    }
}
