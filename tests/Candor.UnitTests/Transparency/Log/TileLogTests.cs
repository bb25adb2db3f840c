using System.Text;
using Candor.Transparency.Log;
using Candor.Transparency.Merkle;
using Candor.Transparency.Notes;

namespace Candor.UnitTests.Transparency.Log;

public sealed class TileLogTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("candor-tlog-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private TransparencyLogOptions Options(TimeSpan? delay = null) => new()
    {
        Directory = Path.Combine(_dir, "log"),
        Origin = "test.example/log",
        MaxMergeDelay = delay ?? TimeSpan.FromMilliseconds(200),
    };

    private static byte[] Entry(long i) => Encoding.ASCII.GetBytes($"entry-{i}");

    [Fact]
    public void TilePaths_FollowTheGroupsOfThreeEncoding()
    {
        Assert.Equal("tile/0/x001/x234/067", TilePaths.Tile(0, 1234067, 256));
        Assert.Equal("tile/1/005.p/7", TilePaths.Tile(1, 5, 7));
        Assert.Equal("tile/entries/x001/000", TilePaths.Entries(1000, 256));
        Assert.True(TilePaths.TryParse("tile/0/x001/x234/067.p/255", out int level, out long index, out int width));
        Assert.Equal((0, 1234067L, 255), (level, index, width));
        Assert.False(TilePaths.TryParse("tile/0/x000/067", out _, out _, out _));
        Assert.False(TilePaths.TryParse("tile/0/../067", out _, out _, out _));
        Assert.False(TilePaths.TryParse("tile/00/067", out _, out _, out _));
    }

    [Fact]
    public async Task ManyAppends_AreIntegratedWithTilesProofsAndASignedCheckpoint()
    {
        using var ct = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        const int count = 70_000;
        var reference = new MemoryTree();
        for (int i = 0; i < count; i++)
        {
            reference.Append(Entry(i));
        }

        string checkpointAt1000;
        await using (var log = await TileLog.OpenAsync(Options(), null, ct.Token))
        {
            Assert.Equal(0, log.Size);
            var first = await Task.WhenAll(Enumerable.Range(0, 1000).Select(i => log.AppendAsync(Entry(i), ct.Token).AsTask()));
            Assert.Equal(Enumerable.Range(0, 1000).Select(static i => (long)i), first.Order());

            // The sequencer publishes within the merge delay without being asked.
            while (log.Size < 1000)
            {
                await Task.Delay(20, ct.Token);
            }

            checkpointAt1000 = Encoding.UTF8.GetString(log.Checkpoint);

            // Entry data must match the index the log assigned, so append the rest in order of index.
            var rest = new List<Task<long>>();
            for (int i = 1000; i < count; i++)
            {
                rest.Add(log.AppendAsync(Entry(i), ct.Token).AsTask());
            }

            await Task.WhenAll(rest);
            await log.FlushAsync(ct.Token);
            Assert.Equal(count, log.Size);
        }

        // Reopen: the stored tree is checked against the checkpoint; proofs match an in-memory reference.
        await using (var log = await TileLog.OpenAsync(Options(), null, ct.Token))
        {
            Assert.Equal(count, log.Size);
            var verifier = NoteVerifier.Parse(log.VerifierKey);
            Assert.True(verifier.TryVerify(log.Checkpoint, out string text, out _));
            Assert.True(Checkpoint.TryParse(text, out var checkpoint, out _));
            Assert.Equal(MerkleProofs.Root(reference, count), checkpoint!.Root);
            foreach (long index in new long[] { 0, 1, 255, 256, 65535, 65536, 69_999 })
            {
                var (proof, _, size) = log.InclusionProof(index);
                Assert.True(MerkleProofs.VerifyInclusion(TreeHash.Leaf(Entry(index)), index, size, proof, checkpoint.Root));
                Assert.Equal(MerkleProofs.Inclusion(reference, index, size).Select(Convert.ToHexString), proof.Select(Convert.ToHexString));
            }

            var (consistency, oldRoot, _) = log.ConsistencyProof(1000, count);
            Assert.True(verifier.TryVerify(Encoding.UTF8.GetBytes(checkpointAt1000), out string oldText, out _));
            Assert.True(Checkpoint.TryParse(oldText, out var old, out _));
            Assert.Equal(old!.Root, oldRoot);
            Assert.True(MerkleProofs.VerifyConsistency(1000, count, old.Root, checkpoint.Root, consistency));

            // tlog-tiles: 273 full level-0 tiles, a level-0 partial of 112, a full level-1 tile, a level-1 partial
            // of 17 and a level-2 partial of 1 (the spec's own example for 70,000 leaves).
            Assert.NotNull(log.ResourceFile("tile/0/272"));
            Assert.NotNull(log.ResourceFile("tile/0/273.p/112"));
            Assert.NotNull(log.ResourceFile("tile/1/000"));
            Assert.NotNull(log.ResourceFile("tile/1/001.p/17"));
            Assert.NotNull(log.ResourceFile("tile/2/000.p/1"));
            Assert.NotNull(log.ResourceFile("tile/entries/273.p/112"));
            Assert.Null(log.ResourceFile("tile/0/274"));
            byte[] bundle = await File.ReadAllBytesAsync(log.ResourceFile("tile/entries/000")!, ct.Token);
            Assert.Equal(0, bundle[0]);
            Assert.Equal(Entry(0).Length, bundle[1]);
            Assert.Equal(Entry(0), bundle[2..(2 + bundle[1])]);
        }
    }

    [Fact]
    public async Task TornJournalTail_IsCutAndJournaledEntriesAreIntegratedOnOpen()
    {
        using var ct = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var options = Options(TimeSpan.FromMinutes(10));
        await using (var log = await TileLog.OpenAsync(options, null, ct.Token))
        {
            for (int i = 0; i < 300; i++)
            {
                await log.AppendAsync(Entry(i), ct.Token);
            }
        }

        // Simulate a crash: 300 durable entries, a checkpoint that covers none of them, and a torn record.
        File.WriteAllBytes(Path.Combine(options.Directory, "checkpoint"), []);
        File.Delete(Path.Combine(options.Directory, "checkpoint"));
        await using (var stream = new FileStream(Path.Combine(options.Directory, "entries.journal"), FileMode.Append))
        {
            await stream.WriteAsync(new byte[] { 0, 0, 0, 40, 1, 2, 3 }, ct.Token);
        }

        await using (var log = await TileLog.OpenAsync(options, null, ct.Token))
        {
            Assert.Equal(300, log.Size);
            Assert.Equal(300, log.AppendedCount);
            Assert.Equal(300, await log.AppendAsync(Entry(300), ct.Token));
        }
    }

    [Fact]
    public async Task TamperedTile_StopsTheLogFromOpening()
    {
        using var ct = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var options = Options();
        await using (var log = await TileLog.OpenAsync(options, null, ct.Token))
        {
            await Task.WhenAll(Enumerable.Range(0, 10).Select(i => log.AppendAsync(Entry(i), ct.Token).AsTask()));
        }

        string tile = Path.Combine(options.Directory, "tile/0/000.p/10");
        byte[] bytes = await File.ReadAllBytesAsync(tile, ct.Token);
        bytes[5] ^= 1;
        await File.WriteAllBytesAsync(tile, bytes, ct.Token);
        await Assert.ThrowsAsync<InvalidDataException>(() => TileLog.OpenAsync(options, null, ct.Token));
    }

    [Fact]
    public async Task OtherOrigin_IsRefused()
    {
        using var ct = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await (await TileLog.OpenAsync(Options(), null, ct.Token)).DisposeAsync();
        var other = new TransparencyLogOptions { Directory = Options().Directory, Origin = "elsewhere/log" };
        var e = await Assert.ThrowsAsync<InvalidDataException>(() => TileLog.OpenAsync(other, null, ct.Token));
        Assert.Contains("origin", e.Message, StringComparison.Ordinal);
    }
}
