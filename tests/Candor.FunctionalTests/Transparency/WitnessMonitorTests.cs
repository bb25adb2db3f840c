using System.Text;
using System.Text.Json;
using Candor.Core.Transparency;
using Candor.Emulator;
using Candor.FunctionalTests.Infrastructure;
using Candor.Server.Cli;
using Candor.Transparency.Log;
using Candor.Transparency.Notes;
using Candor.Transparency.Witness;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace Candor.FunctionalTests.Transparency;

/// <summary>A witness (<c>candor witness</c>) cosigning a running Candor's checkpoints and refusing an inconsistent
/// one, <c>candor verify</c> with an N-of-M witness policy, and <c>candor monitor</c> catching an edited interior tile
/// or entry bundle, a rollback and a fork over HTTP.</summary>
public sealed class WitnessMonitorTests : IDisposable
{
    private const string Origin = "candor.test/log";
    private const string ClientKey = "sk-client-0123456789abcdefghij";
    private readonly string _dir = Directory.CreateTempSubdirectory("candor-wm-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string LogDirectory => Path.Combine(_dir, "data", "log");

    private string MonitorState => Path.Combine(_dir, "monitor.checkpoint");

    private static CancellationToken Timeout() => new CancellationTokenSource(TimeSpan.FromSeconds(120)).Token;

    private static async Task AppendAsync(ITransparencyLog log, int from, int to, string prefix, CancellationToken ct)
    {
        var appends = Enumerable.Range(from, to - from).Select(i => log.AppendAsync(Encoding.ASCII.GetBytes($"{prefix}-{i}"), ct).AsTask()).ToList();
        await Task.WhenAll(appends);
    }

    private static async Task<byte[]> CheckpointAsync(HttpClient client, long size, Func<byte[], bool> ready, CancellationToken ct)
    {
        while (true)
        {
            byte[] note = await client.GetByteArrayAsync("/log/checkpoint", ct);
            if (Encoding.UTF8.GetString(note).Split('\n')[1] == size.ToString(System.Globalization.CultureInfo.InvariantCulture) && ready(note))
            {
                return note;
            }

            await Task.Delay(25, ct);
        }
    }

    private async Task<(int Code, string Output)> MonitorAsync(Uri baseAddress, string key, CancellationToken ct, bool incremental = false)
    {
        using var output = new StringWriter();
        string[] args = ["monitor", new Uri(baseAddress, "/log/").ToString(), "--key", key, "--state", MonitorState, .. incremental ? new[] { "--incremental" } : []];
        int code = await CandorCli.RunAsync(args, output, output, ct);
        return (code, output.ToString());
    }

    [Fact]
    public async Task Witness_CosignsEachCheckpoint_AndVerifyAppliesTheQuorum()
    {
        var ct = Timeout();
        using var logSigner = NoteSigner.Generate(Origin, out string logPrivate);
        var (witness, witnessUrl, key, witnessOutput) = await StartWitnessAsync(logSigner, ct);
        using var cosigner = key;
        await using (witness)
        {
            var verifier = CosignatureVerifier.Parse(key.VerifierKey);
            Assert.Contains(key.VerifierKey, witnessOutput, StringComparison.Ordinal);

            await using var host = await StartWitnessedHostAsync(logPrivate, witnessUrl, key.VerifierKey, ct);
            using var client = host.CreateClient();
            var log = host.Service<ITransparencyLog>();

            await AppendAsync(log, 0, 20, "e", ct);
            byte[] first = await CheckpointAsync(client, 20, note => verifier.TryVerify(note, out _), ct);
            Assert.True(NoteVerifier.Parse(logSigner.VerifierKey).TryVerify(first, out _, out _), "the log's own signature must still verify");

            // The next checkpoint goes with a consistency proof from 20; the witness cosigns it too.
            await AppendAsync(log, 20, 300, "e", ct);
            byte[] second = await CheckpointAsync(client, 300, note => verifier.TryVerify(note, out _), ct);

            // tlog-proofs carry the cosigned checkpoint.
            string proofFile = Path.Combine(_dir, "299.tlog-proof");
            await File.WriteAllBytesAsync(proofFile, await client.GetByteArrayAsync("/log/proof/299", ct), ct);

            // candor verify: 1 of 1 holds; 2 of 2 (another witness never asked) does not; 1 of 2 holds.
            string file = Path.Combine(_dir, "cosigned.checkpoint");
            await File.WriteAllBytesAsync(file, second, ct);
            using var other = Cosigner.Generate("witness.test/w2", out _);
            using var output = new StringWriter();
            Assert.Equal(0, await CandorCli.RunAsync(["verify", "checkpoint", "--checkpoint", file, "--key", logSigner.VerifierKey, "--witnesses", key.VerifierKey], output, output, ct));
            Assert.Equal(1, await CandorCli.RunAsync(["verify", "checkpoint", "--checkpoint", file, "--key", logSigner.VerifierKey, "--witnesses", $"{key.VerifierKey},{other.VerifierKey}"], output, output, ct));
            Assert.Equal(0, await CandorCli.RunAsync(["verify", "checkpoint", "--checkpoint", file, "--key", logSigner.VerifierKey, "--witnesses", $"{key.VerifierKey},{other.VerifierKey}", "--quorum", "1"], output, output, ct));
            await File.WriteAllBytesAsync(Path.Combine(_dir, "entry"), Encoding.ASCII.GetBytes("e-299"), ct);
            Assert.Equal(0, await CandorCli.RunAsync(["verify", "inclusion", "--proof", proofFile, "--entry", Path.Combine(_dir, "entry"), "--key", logSigner.VerifierKey, "--witnesses", key.VerifierKey], output, output, ct));
            Assert.Contains("\"cosigned\":1", output.ToString(), StringComparison.Ordinal);

            // A fork signed with the log's own key: 300 other entries and more. The witness refuses it.
            using var forkTree = new ForkedTree(Path.Combine(_dir, "fork"), logPrivate);
            await forkTree.AppendAsync(310, ct);
            var (forkNote, proof) = forkTree.Submission(300);
            using var witnessClient = new HttpClient { BaseAddress = new Uri(witnessUrl) };
            var body = new StringBuilder("old 300\n");
            foreach (byte[] hash in proof)
            {
                body.Append(Convert.ToBase64String(hash)).Append('\n');
            }

            using var refused = await witnessClient.PostAsync("/add-checkpoint", new ByteArrayContent([.. Encoding.UTF8.GetBytes(body.Append('\n').ToString()), .. forkNote]), ct);
            Assert.Equal(422, (int)refused.StatusCode);
            using var rolledBack = await witnessClient.PostAsync("/add-checkpoint", new ByteArrayContent([.. "old 0\n\n"u8.ToArray(), .. forkNote]), ct);
            Assert.Equal(409, (int)rolledBack.StatusCode);
            Assert.Equal("300\n", await rolledBack.Content.ReadAsStringAsync(ct));
        }
    }

    [Fact]
    public async Task Monitor_FollowsTheLog_AndCatchesAnEditedTileOrBundle()
    {
        var ct = Timeout();
        await using var host = await LogHost.StartAsync(_dir, Origin, "200ms");
        await AppendAsync(host.Log, 0, 300, "e", ct);
        await CheckpointAsync(host.Client, 300, _ => true, ct);
        var (code, report) = await MonitorAsync(host.Client.BaseAddress!, host.VerifierKey, ct);
        Assert.True(code == 0, report);
        Assert.Contains("\"verdict\":\"ok\"", report, StringComparison.Ordinal);

        await AppendAsync(host.Log, 300, 600, "e", ct);
        await CheckpointAsync(host.Client, 600, _ => true, ct);
        (code, report) = await MonitorAsync(host.Client.BaseAddress!, host.VerifierKey, ct);
        Assert.True(code == 0, report);
        Assert.Contains("\"old_size\":300,\"tree_size\":600", report, StringComparison.Ordinal);

        foreach (string file in new[] { "tile/0/000", "tile/entries/001" })
        {
            string path = Path.Combine(LogDirectory, file);
            byte[] original = await File.ReadAllBytesAsync(path, ct);
            byte[] edited = (byte[])original.Clone();
            edited[77] ^= 0x01;
            await File.WriteAllBytesAsync(path, edited, ct);
            (code, report) = await MonitorAsync(host.Client.BaseAddress!, host.VerifierKey, ct);
            Assert.Equal(1, code);
            Assert.Contains("\"verdict\":\"edited\"", report, StringComparison.Ordinal);
            Assert.Contains(file + ":", report, StringComparison.Ordinal);
            await File.WriteAllBytesAsync(path, original, ct);
        }

        (code, report) = await MonitorAsync(host.Client.BaseAddress!, host.VerifierKey, ct);
        Assert.True(code == 0, report);
    }

    [Fact]
    public Task Monitor_CatchesARollbackAndAFork() => RollbackAndForkAsync(incremental: false);

    /// <summary>An incremental monitor keeps only the roots of the tiles it verified: the rebuilt log's new tiles do not
    /// extend them to its signed root, and the whole tree, fetched at once to diagnose, shows the first entries changed.</summary>
    [Fact]
    public Task IncrementalMonitor_CatchesARollbackAndAFork() => RollbackAndForkAsync(incremental: true);

    private async Task RollbackAndForkAsync(bool incremental)
    {
        var ct = Timeout();
        string backup = Path.Combine(_dir, "backup");
        string key;
        await using (var host = await LogHost.StartAsync(_dir, Origin, "200ms"))
        {
            key = host.VerifierKey;
            await AppendAsync(host.Log, 0, 290, "e", ct);
        }

        CopyDirectory(LogDirectory, backup);
        await using (var host = await LogHost.StartAsync(_dir, Origin, "200ms"))
        {
            await AppendAsync(host.Log, 290, 300, "e", ct);
            await CheckpointAsync(host.Client, 300, _ => true, ct);
            var (code, report) = await MonitorAsync(host.Client.BaseAddress!, key, ct, incremental);
            Assert.True(code == 0, report);
        }

        // The operator restores the older log and its kept checkpoint: Candor starts, the monitor does not agree.
        Directory.Delete(LogDirectory, recursive: true);
        CopyDirectory(backup, LogDirectory);
        File.Delete(Path.Combine(_dir, "data", "log.checkpoint"));
        await using (var host = await LogHost.StartAsync(_dir, Origin, "200ms"))
        {
            var (code, report) = await MonitorAsync(host.Client.BaseAddress!, key, ct, incremental);
            Assert.Equal(1, code);
            Assert.Contains("\"verdict\":\"rollback\"", report, StringComparison.Ordinal);
        }

        // A log rebuilt with the same key and other entries, longer than the one the monitor verified: a fork.
        string signingKey = await File.ReadAllTextAsync(Path.Combine(LogDirectory, TileLog.KeyFile), ct);
        Directory.Delete(LogDirectory, recursive: true);
        File.Delete(Path.Combine(_dir, "data", "log.checkpoint"));
        await using (var rebuilt = await TileLog.OpenAsync(new TransparencyLogOptions { Directory = LogDirectory, Origin = Origin, SigningKey = signingKey, AuditInterval = TimeSpan.Zero }, null, ct))
        {
            await AppendAsync(rebuilt, 0, 310, "forked", ct);
            await rebuilt.FlushAsync(ct);
        }

        await File.WriteAllTextAsync(Path.Combine(LogDirectory, TileLog.KeyFile), signingKey, ct);
        await using (var host = await LogHost.StartAsync(_dir, Origin, "200ms"))
        {
            var (code, report) = await MonitorAsync(host.Client.BaseAddress!, key, ct, incremental);
            Assert.Equal(1, code);
            Assert.Contains("\"verdict\":\"fork\"", report, StringComparison.Ordinal);
        }
    }

    /// <summary>Starts <c>candor witness</c> for the log of <paramref name="logSigner"/>: the host, its URL, its key and
    /// what it printed.</summary>
    private async Task<(WebApplication Witness, string Url, Cosigner Key, string Output)> StartWitnessAsync(NoteSigner logSigner, CancellationToken ct)
    {
        using var witnessOutput = new StringWriter();
        string witnessKeyFile = Path.Combine(_dir, "witness.key");
        var witness = await WitnessCommand.StartAsync(
            CliArgs.Parse("witness", ["--name", "witness.test/w1", "--key", witnessKeyFile, "--state", Path.Combine(_dir, "witness-state"), "--logs", logSigner.VerifierKey, "--urls", "http://127.0.0.1:0"]),
            witnessOutput, ct);
        string witnessUrl = witness.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var key = Cosigner.Parse(await File.ReadAllTextAsync(witnessKeyFile, ct));
        return (witness, witnessUrl, key, witnessOutput.ToString());
    }

    /// <summary>Candor with a log signed by <paramref name="logPrivate"/>, cosigned by the witness, a configuration
    /// key (<see cref="ClientKey"/>) and one emulated channel.</summary>
    private Task<CandorTestHost> StartWitnessedHostAsync(string logPrivate, string witnessUrl, string witnessKey, CancellationToken ct) =>
        CandorTestHost.Create()
            .OnSqlite(LogHost.FileLog)
            .InDirectory(_dir)
            .Emulator(new EmulatorOptions())
            .Env("UPSTREAM_KEY", "k")
            .Env("CLIENT_KEY", ClientKey)
            .Env(TransparencyLogOptions.SigningKeyVariable, logPrivate)
            .Yaml(emu => $$"""
                server:
                  data_dir: data
                  log_origin: {{Origin}}
                  log_max_merge_delay: 200ms
                  log_witnesses:
                    - { url: "{{witnessUrl}}", key: "{{witnessKey}}" }
                channels:
                  - { id: oa, provider: openai, base_url: {{emu}}/v1, api_key_env: UPSTREAM_KEY }
                models:
                  - { name: m, deployments: [{ channel: oa, model: gpt-4o-mini }] }
                keys:
                  - { name: client, key_env: CLIENT_KEY }
                """)
            .StartAsync(ct);

    [Fact]
    public async Task VerifyReceipt_RequiresTheWitnessQuorumOnTheCheckpointItsInclusionIsProvenAgainst()
    {
        var ct = Timeout();
        using var logSigner = NoteSigner.Generate(Origin, out string logPrivate);
        var (witness, witnessUrl, key, _) = await StartWitnessAsync(logSigner, ct);
        using var cosigner = key;
        await using (witness)
        {
            var verifier = CosignatureVerifier.Parse(key.VerifierKey);
            await using var host = await StartWitnessedHostAsync(logPrivate, witnessUrl, key.VerifierKey, ct);
            using var client = host.CreateClient(ClientKey);
            using var response = await client.PostAsync("/v1/chat/completions", new StringContent("""{"model":"m","messages":[{"role":"user","content":"a receipt to prove"}]}""", Encoding.UTF8, "application/json"), ct);
            Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
            string id = response.Headers.GetValues("x-candor-receipt").Single();

            // The receipt as served, once the log has it, and its tlog-proof under a checkpoint the witness cosigned.
            byte[] receipt;
            long index;
            while (true)
            {
                using var fetched = await client.GetAsync("/v1/receipts/" + id, ct);
                if (fetched.Headers.TryGetValues("x-candor-log-index", out var values))
                {
                    receipt = await fetched.Content.ReadAsByteArrayAsync(ct);
                    index = long.Parse(values.Single(), System.Globalization.CultureInfo.InvariantCulture);
                    break;
                }

                await Task.Delay(25, ct);
            }

            byte[] proof;
            while (true)
            {
                using var served = await client.GetAsync($"/log/proof/{index}", ct);
                if (served.IsSuccessStatusCode && await served.Content.ReadAsByteArrayAsync(ct) is { } bytes
                    && TlogProof.TryParse(bytes, out var parsed, out _) && verifier.TryVerify(parsed!.SignedCheckpoint, out _))
                {
                    proof = bytes;
                    break;
                }

                await Task.Delay(25, ct);
            }

            using var wellKnown = JsonDocument.Parse(await client.GetByteArrayAsync("/.well-known/candor", ct));
            string receiptKey = wellKnown.RootElement.GetProperty("receipt_keys")[0].GetProperty("verifier_key").GetString()!;
            string receiptFile = Path.Combine(_dir, "receipt.json"), proofFile = Path.Combine(_dir, "receipt.tlog-proof");
            await File.WriteAllBytesAsync(receiptFile, receipt, ct);
            await File.WriteAllBytesAsync(proofFile, proof, ct);
            using var other = Cosigner.Generate("witness.test/w2", out _);
            string[] verify = ["verify", "receipt", receiptFile, "--key", receiptKey, "--proof", proofFile, "--origin", Origin];

            async Task<(int Code, string Output)> RunAsync(string logKey, params string[] extra)
            {
                using var output = new StringWriter();
                int code = await CandorCli.RunAsync([.. verify, "--log-key", logKey, .. extra], output, output, ct);
                return (code, output.ToString());
            }

            var (code, text) = await RunAsync(logSigner.VerifierKey, "--witnesses", key.VerifierKey);
            Assert.True(code == 0, text);
            Assert.Contains($"log: ok (entry {index} of {Origin}", text, StringComparison.Ordinal);
            Assert.Contains("cosigned by 1 of the witnesses listed", text, StringComparison.Ordinal);
            Assert.Equal(0, (await RunAsync(logSigner.VerifierKey, "--witnesses", $"{key.VerifierKey},{other.VerifierKey}", "--quorum", "1")).Code);

            // Two of two: the second witness never cosigned.
            (code, text) = await RunAsync(logSigner.VerifierKey, "--witnesses", $"{key.VerifierKey},{other.VerifierKey}");
            Assert.Equal(1, code);
            Assert.Contains("log: FAILED (the checkpoint is cosigned by 1 of the 2 witnesses, fewer than the 2 required)", text, StringComparison.Ordinal);

            // A witness that never cosigned, a checkpoint signed by another key, or a receipt re-serialised (its signature
            // still verifies, but it is not the logged entry) do not prove it.
            Assert.Equal(1, (await RunAsync(logSigner.VerifierKey, "--witnesses", other.VerifierKey)).Code);
            using var stranger = NoteSigner.Generate(Origin, out _);
            (code, text) = await RunAsync(stranger.VerifierKey);
            Assert.Equal(1, code);
            Assert.Contains("log: FAILED", text, StringComparison.Ordinal);
            string pretty = Encoding.UTF8.GetString(receipt).Replace("{\"receipt\":", "{ \"receipt\":", StringComparison.Ordinal);
            await File.WriteAllTextAsync(receiptFile, pretty, ct);
            (code, text) = await RunAsync(logSigner.VerifierKey);
            Assert.Equal(1, code);
            Assert.Contains("signature: ok", text, StringComparison.Ordinal);
            Assert.Contains("log: FAILED (the inclusion proof does not place this leaf", text, StringComparison.Ordinal);
        }
    }

    private static void CopyDirectory(string from, string to)
    {
        foreach (string file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            string target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }

    /// <summary>A tree with other entries, signed with the log's key: what a forking operator could publish.</summary>
    private sealed class ForkedTree(string directory, string signingKey) : IDisposable
    {
        private readonly Candor.Transparency.Merkle.MemoryTree _tree = new();
        private readonly NoteSigner _signer = NoteSigner.Parse(signingKey);

        public Task AppendAsync(int count, CancellationToken ct)
        {
            Directory.CreateDirectory(directory);
            for (int i = 0; i < count; i++)
            {
                _tree.Append(Encoding.ASCII.GetBytes($"forked-{i}"));
            }

            return Task.CompletedTask;
        }

        public (byte[] Note, List<byte[]> Proof) Submission(long old) =>
            (_signer.Sign(new Checkpoint(Origin, _tree.Size, Candor.Transparency.Merkle.MerkleProofs.Root(_tree, _tree.Size)).ToText()),
             Candor.Transparency.Merkle.MerkleProofs.Consistency(_tree, old, _tree.Size));

        public void Dispose() => _signer.Dispose();
    }
}
