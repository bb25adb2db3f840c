using System.Net;
using System.Text;
using System.Text.Json;
using Candor.FunctionalTests.Infrastructure;
using Candor.Server.Cli;
using Candor.Transparency.Merkle;

namespace Candor.FunctionalTests.Transparency;

/// <summary>The log as the world sees it: entries appended through the <c>ITransparencyLog</c> seam of a running
/// Candor, then checkpoints, tiles and proofs fetched over HTTP and checked by <see cref="IndependentVerifier"/>,
/// and by <c>candor verify</c>.</summary>
public sealed class LogHttpTests : IAsyncLifetime
{
    private const string Origin = "candor.test/log";
    private string _dir = null!;
    private LogHost _host = null!;

    public async Task InitializeAsync()
    {
        _dir = Directory.CreateTempSubdirectory("candor-log-").FullName;
        _host = await LogHost.StartAsync(_dir, Origin);
    }

    public async Task DisposeAsync()
    {
        await _host.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }

    private static byte[] Entry(long i) => Encoding.ASCII.GetBytes($"receipt-hash-{i:D6}");

    private async Task AppendInOrderAsync(int from, int to, CancellationToken ct)
    {
        for (int i = from; i < to; i++)
        {
            Assert.Equal(i, await _host.Log.AppendAsync(Entry(i), ct));
        }
    }

    private async Task<(byte[] Note, IndependentVerifier.VerifiedCheckpoint Checkpoint)> WaitForCheckpointAsync(long size, CancellationToken ct)
    {
        while (true)
        {
            using var response = await _host.Client.GetAsync("/log/checkpoint", ct);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("text/plain; charset=utf-8", response.Content.Headers.ContentType!.ToString());
            Assert.Contains("max-age=1", response.Headers.CacheControl!.ToString(), StringComparison.Ordinal);
            byte[] note = await response.Content.ReadAsByteArrayAsync(ct);
            Assert.Null(IndependentVerifier.Checkpoint(_host.VerifierKey, note, out var checkpoint));
            Assert.Equal(Origin, checkpoint!.Origin);
            if (checkpoint.Size >= size)
            {
                return (note, checkpoint);
            }

            await Task.Delay(25, ct);
        }
    }

    [Fact]
    public async Task WellKnown_PublishesTheLogOriginAndTheCheckpointVerifierKey()
    {
        var ct = Json.Timeout();
        await AppendInOrderAsync(0, 3, ct);
        var (note, _) = await WaitForCheckpointAsync(3, ct);
        using var response = await _host.Client.GetAsync("/.well-known/candor", ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync(ct));
        var log = doc.RootElement.GetProperty("log");
        Assert.Equal(Origin, log.GetProperty("origin").GetString());
        string published = log.GetProperty("verifier_key").GetString()!;
        Assert.Equal(_host.VerifierKey, published);

        // What a client learns from the disclosure alone is enough to check a checkpoint.
        Assert.Null(IndependentVerifier.Checkpoint(published, note, out _));
    }

    [Fact]
    public async Task TileChangedOnDisk_IsAnswered503AfterTheCheck_AndServedAgainOnceRestored()
    {
        var ct = Json.Timeout(60);
        await AppendInOrderAsync(0, 260, ct);
        await WaitForCheckpointAsync(260, ct);
        string path = Path.Combine(_dir, "data", "log", "tile", "0", "000");
        byte[] original = await File.ReadAllBytesAsync(path, ct);
        byte[] edited = (byte[])original.Clone();
        edited[3] ^= 0x01;
        await File.WriteAllBytesAsync(path, edited, ct);

        Assert.Contains(await _host.TileLog.AuditAsync(ct), p => p.StartsWith("tile/0/000:", StringComparison.Ordinal));
        using (var refused = await _host.Client.GetAsync("/log/tile/0/000", ct))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        }

        await File.WriteAllBytesAsync(path, original, ct);
        Assert.Empty(await _host.TileLog.AuditAsync(ct));
        using var served = await _host.Client.GetAsync("/log/tile/0/000", ct);
        Assert.Equal(HttpStatusCode.OK, served.StatusCode);
        Assert.Equal(original, await served.Content.ReadAsByteArrayAsync(ct));
    }

    [Fact]
    public async Task EntryBundles_AreGzippedWhenAccepted_AndHashTilesAreNot()
    {
        var ct = Json.Timeout();
        await AppendInOrderAsync(0, 10, ct);
        await WaitForCheckpointAsync(10, ct);

        using var identity = await _host.Client.GetAsync("/log/tile/entries/000.p/10", ct);
        Assert.Equal(HttpStatusCode.OK, identity.StatusCode);
        Assert.Empty(identity.Content.Headers.ContentEncoding);
        byte[] raw = await identity.Content.ReadAsByteArrayAsync(ct);
        Assert.Equal(Enumerable.Range(0, 10).Sum(static i => 2 + Entry(i).Length), raw.Length);

        using var ask = new HttpRequestMessage(HttpMethod.Get, "/log/tile/entries/000.p/10");
        ask.Headers.AcceptEncoding.ParseAdd("gzip, identity");
        using var gzipped = await _host.Client.SendAsync(ask, ct);
        Assert.Equal(HttpStatusCode.OK, gzipped.StatusCode);
        Assert.Equal(["gzip"], gzipped.Content.Headers.ContentEncoding);
        Assert.Contains("Accept-Encoding", gzipped.Headers.Vary);
        await using (var unzip = new System.IO.Compression.GZipStream(await gzipped.Content.ReadAsStreamAsync(ct), System.IO.Compression.CompressionMode.Decompress))
        using (var all = new MemoryStream())
        {
            await unzip.CopyToAsync(all, ct);
            Assert.Equal(raw, all.ToArray());
        }

        using var tileAsk = new HttpRequestMessage(HttpMethod.Get, "/log/tile/0/000.p/10");
        tileAsk.Headers.AcceptEncoding.ParseAdd("gzip");
        using var tile = await _host.Client.SendAsync(tileAsk, ct);
        Assert.Empty(tile.Content.Headers.ContentEncoding);
        Assert.Equal(10 * 32, (await tile.Content.ReadAsByteArrayAsync(ct)).Length);
    }

    [Fact]
    public async Task CheckpointsProofsAndTiles_VerifyIndependentlyAndAnyFlippedByteFails()
    {
        var ct = Json.Timeout(60);
        await AppendInOrderAsync(0, 600, ct);
        var acked = DateTime.UtcNow;
        var (note1, cp1) = await WaitForCheckpointAsync(600, ct);
        Assert.True(DateTime.UtcNow - acked < _host.Log.MaxMergeDelay + TimeSpan.FromMilliseconds(300), "the checkpoint came later than the promised merge delay");
        Assert.Equal(600, cp1.Size);

        // tlog-proof for single entries, verified against the entry itself; every flipped byte breaks it.
        foreach (long index in new long[] { 0, 255, 256, 599 })
        {
            using var response = await _host.Client.GetAsync($"/log/proof/{index}", ct);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            byte[] document = await response.Content.ReadAsByteArrayAsync(ct);
            Assert.Null(IndependentVerifier.TlogProof(_host.VerifierKey, Origin, Entry(index), document));
            Assert.NotNull(IndependentVerifier.TlogProof(_host.VerifierKey, Origin, Entry(index + 1), document));
            for (int i = 0; i < document.Length; i++)
            {
                byte[] bad = (byte[])document.Clone();
                bad[i] ^= 0x01;
                Assert.True(IndependentVerifier.TlogProof(_host.VerifierKey, Origin, Entry(index), bad) is not null, $"flipping byte {i} of the proof for {index} went unnoticed");
            }
        }

        // Every flipped byte of the checkpoint breaks it.
        for (int i = 0; i < note1.Length; i++)
        {
            byte[] bad = (byte[])note1.Clone();
            bad[i] ^= 0x01;
            Assert.NotNull(IndependentVerifier.Checkpoint(_host.VerifierKey, bad, out _));
        }

        // Tiles: the level-0 hashes hash to the checkpoint's root; the entry bundles hash to the level-0 hashes.
        var leaves = new List<byte[]>();
        foreach (string path in new[] { IndependentVerifier.TilePath("0", 0, 256), IndependentVerifier.TilePath("0", 1, 256), IndependentVerifier.TilePath("0", 2, 88) })
        {
            using var response = await _host.Client.GetAsync("/log/" + path, ct);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("application/octet-stream", response.Content.Headers.ContentType!.ToString());
            Assert.Contains("immutable", response.Headers.CacheControl!.ToString(), StringComparison.Ordinal);
            byte[] tile = await response.Content.ReadAsByteArrayAsync(ct);
            leaves.AddRange(tile.Chunk(32));
        }

        Assert.Equal(cp1.Root, IndependentVerifier.RootOf(leaves, 0, 600));
        byte[] level1 = await _host.Client.GetByteArrayAsync("/log/" + IndependentVerifier.TilePath("1", 0, 2), ct);
        Assert.Equal(IndependentVerifier.RootOf(leaves, 0, 256), level1[..32]);
        byte[] bundle = await _host.Client.GetByteArrayAsync("/log/" + IndependentVerifier.TilePath("entries", 2, 88), ct);
        int at = 0;
        for (int i = 512; i < 600; i++)
        {
            int length = (bundle[at] << 8) | bundle[at + 1];
            Assert.Equal(leaves[i], IndependentVerifier.LeafHash(bundle[(at + 2)..(at + 2 + length)]));
            at += 2 + length;
        }

        Assert.Equal(bundle.Length, at);

        // A second checkpoint, consistent with the first.
        await AppendInOrderAsync(600, 1000, ct);
        var (note2, cp2) = await WaitForCheckpointAsync(1000, ct);
        using var consistency = JsonDocument.Parse(await _host.Client.GetStringAsync($"/log/proof/consistency?from={cp1.Size}&to={cp2.Size}", ct));
        var proof = consistency.RootElement.GetProperty("proof").EnumerateArray().Select(static e => e.GetBytesFromBase64()).ToList();
        Assert.Null(IndependentVerifier.Consistency(cp1.Size, cp2.Size, cp1.Root, cp2.Root, proof));
        for (int h = 0; h < proof.Count; h++)
        {
            for (int b = 0; b < 32; b += 7)
            {
                var bad = proof.Select(static p => (byte[])p.Clone()).ToList();
                bad[h][b] ^= 0x01;
                Assert.NotNull(IndependentVerifier.Consistency(cp1.Size, cp2.Size, cp1.Root, cp2.Root, bad));
            }
        }

        using var inclusion = JsonDocument.Parse(await _host.Client.GetStringAsync("/log/proof/inclusion?index=7&size=600", ct));
        Assert.Null(IndependentVerifier.Inclusion(IndependentVerifier.LeafHash(Entry(7)), 7, 600,
            inclusion.RootElement.GetProperty("proof").EnumerateArray().Select(static e => e.GetBytesFromBase64()).ToList(), cp1.Root));

        // candor verify, offline, on the same files; a tampered file is refused with exit code 1.
        string dir = Path.Combine(_dir, "verify");
        Directory.CreateDirectory(dir);
        await File.WriteAllBytesAsync(Path.Combine(dir, "old.checkpoint"), note1, ct);
        await File.WriteAllBytesAsync(Path.Combine(dir, "new.checkpoint"), note2, ct);
        await File.WriteAllTextAsync(Path.Combine(dir, "consistency.json"), consistency.RootElement.GetRawText(), ct);
        await File.WriteAllBytesAsync(Path.Combine(dir, "entry"), Entry(42), ct);
        await File.WriteAllBytesAsync(Path.Combine(dir, "42.tlog-proof"), await _host.Client.GetByteArrayAsync("/log/proof/42", ct), ct);
        string key = _host.VerifierKey;
        Assert.Equal(0, await VerifyAsync(["checkpoint", "--checkpoint", Path.Combine(dir, "new.checkpoint"), "--key", key, "--origin", Origin]));
        Assert.Equal(0, await VerifyAsync(["inclusion", "--proof", Path.Combine(dir, "42.tlog-proof"), "--entry", Path.Combine(dir, "entry"), "--key", key]));
        Assert.Equal(0, await VerifyAsync(["inclusion", "--proof", Path.Combine(dir, "42.tlog-proof"), "--leaf-hash", Convert.ToHexString(TreeHash.Leaf(Entry(42))), "--key", key]));
        Assert.Equal(0, await VerifyAsync(["consistency", "--old", Path.Combine(dir, "old.checkpoint"), "--new", Path.Combine(dir, "new.checkpoint"), "--proof", Path.Combine(dir, "consistency.json"), "--key", key]));
        Assert.Equal(1, await VerifyAsync(["consistency", "--old", Path.Combine(dir, "new.checkpoint"), "--new", Path.Combine(dir, "old.checkpoint"), "--proof", Path.Combine(dir, "consistency.json"), "--key", key]));
        await File.WriteAllBytesAsync(Path.Combine(dir, "entry"), Entry(43), ct);
        Assert.Equal(1, await VerifyAsync(["inclusion", "--proof", Path.Combine(dir, "42.tlog-proof"), "--entry", Path.Combine(dir, "entry"), "--key", key]));
        byte[] tampered = (byte[])note2.Clone();
        tampered[note2.Length / 3] ^= 1;
        await File.WriteAllBytesAsync(Path.Combine(dir, "new.checkpoint"), tampered, ct);
        Assert.Equal(1, await VerifyAsync(["checkpoint", "--checkpoint", Path.Combine(dir, "new.checkpoint"), "--key", key]));
    }

    [Fact]
    public async Task BadRequests_GetClearErrors()
    {
        var ct = Json.Timeout(30);
        await AppendInOrderAsync(0, 3, ct);
        await WaitForCheckpointAsync(3, ct);
        Assert.Equal(HttpStatusCode.BadRequest, (await _host.Client.GetAsync("/log/proof/abc", ct)).StatusCode);
        using var missing = await _host.Client.GetAsync("/log/proof/3", ct);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Contains("not covered by the latest checkpoint", await missing.Content.ReadAsStringAsync(ct), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, (await _host.Client.GetAsync("/log/proof/consistency?from=4&to=3", ct)).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await _host.Client.GetAsync("/log/proof/inclusion?size=3", ct)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _host.Client.GetAsync("/log/tile/0/000", ct)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _host.Client.GetAsync("/log/tile/0/%2e%2e/checkpoint", ct)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _host.Client.GetAsync("/log/tile/signing.key", ct)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _host.Client.GetAsync("/log/tile/0/000.p/3", ct)).StatusCode);
    }

    private static async Task<int> VerifyAsync(string[] args)
    {
        var output = new StringWriter();
        int code = await CandorCli.RunAsync(["verify", .. args], output, output, CancellationToken.None);
        string text = output.ToString();
        Assert.Contains(code == 0 ? "\"verified\":true" : "\"verified\":false", text, StringComparison.Ordinal);
        return code;
    }
}
