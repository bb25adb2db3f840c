using System.Text;
using Candor.Transparency.Merkle;
using Candor.Transparency.Notes;
using Candor.Transparency.Witness;
using Microsoft.Extensions.Time.Testing;

namespace Candor.UnitTests.Transparency;

/// <summary>The witness of c2sp.org/tlog-witness: cosigns (tlog-cosignature <c>cosignature/v1</c>, timestamped) a
/// checkpoint consistent with the last it cosigned, and answers 409/422/403/404/400 as the specification says.</summary>
public sealed class WitnessTests : IDisposable
{
    private const string Origin = "log.example/log";
    private readonly string _dir = Directory.CreateTempSubdirectory("candor-witness-").FullName;
    private readonly NoteSigner _log = NoteSigner.Generate(Origin, out _);
    private readonly FakeTimeProvider _time = new(DateTimeOffset.FromUnixTimeSeconds(1_800_000_000));
    private readonly CheckpointWitness _witness;
    private readonly string _witnessKey;

    public WitnessTests()
    {
        var cosigner = Cosigner.Generate("witness.example/w1", out _);
        _witnessKey = cosigner.VerifierKey;
        _witness = new CheckpointWitness(cosigner, new Dictionary<string, string> { [Origin] = _log.VerifierKey }, _dir, _time);
    }

    public void Dispose()
    {
        _witness.Dispose();
        _log.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    private static MemoryTree Tree(int size, string prefix = "e")
    {
        var tree = new MemoryTree();
        for (int i = 0; i < size; i++)
        {
            tree.Append(Encoding.ASCII.GetBytes($"{prefix}-{i}"));
        }

        return tree;
    }

    private byte[] Note(MemoryTree tree, NoteSigner? signer = null, string origin = Origin) =>
        (signer ?? _log).Sign(new Checkpoint(origin, tree.Size, MerkleProofs.Root(tree, tree.Size)).ToText());

    private static byte[] Request(long old, IEnumerable<byte[]> proof, byte[] note)
    {
        var body = new StringBuilder($"old {old}\n");
        foreach (byte[] hash in proof)
        {
            body.Append(Convert.ToBase64String(hash)).Append('\n');
        }

        return [.. Encoding.UTF8.GetBytes(body.Append('\n').ToString()), .. note];
    }

    private Task<WitnessAnswer> AddAsync(long old, MemoryTree tree, byte[]? note = null, MemoryTree? proofTree = null) =>
        _witness.AddCheckpointAsync(
            Request(old, old > 0 && old < tree.Size ? MerkleProofs.Consistency(proofTree ?? tree, old, tree.Size) : [], note ?? Note(tree)),
            new CancellationTokenSource(TimeSpan.FromSeconds(10)).Token);

    [Fact]
    public async Task ConsistentCheckpoints_AreCosignedWithATimestamp()
    {
        var first = Tree(10);
        var answer = await AddAsync(0, first);
        Assert.Equal(200, answer.Status);
        Assert.StartsWith("\u2014 witness.example/w1 ", answer.Body, StringComparison.Ordinal);

        var verifier = CosignatureVerifier.Parse(_witnessKey);
        Assert.True(verifier.TryVerify([.. Note(first), .. Encoding.UTF8.GetBytes(answer.Body)], out long timestamp));
        Assert.Equal(1_800_000_000, timestamp);

        _time.Advance(TimeSpan.FromSeconds(30));
        var second = Tree(300);
        answer = await AddAsync(10, second);
        Assert.Equal(200, answer.Status);
        byte[] cosigned = [.. Note(second), .. Encoding.UTF8.GetBytes(answer.Body)];
        Assert.True(verifier.TryVerify(cosigned, out timestamp));
        Assert.Equal(1_800_000_030, timestamp);

        // The log's own signature still verifies beside the cosignature; a byte flipped in the checkpoint's text or
        // in the cosignature line breaks the cosignature (the log's signature line is not what the witness signs).
        Assert.True(NoteVerifier.Parse(_log.VerifierKey).TryVerify(cosigned, out _, out _));
        int text = Encoding.UTF8.GetString(cosigned).IndexOf("\n\n", StringComparison.Ordinal) + 1;
        int line = Note(second).Length;
        foreach (int i in Enumerable.Range(0, text).Concat(Enumerable.Range(line, cosigned.Length - line - 1)))
        {
            byte[] bad = (byte[])cosigned.Clone();
            bad[i] ^= 0x01;
            Assert.False(verifier.TryVerify(bad, out _), $"byte {i} flipped still verifies");
        }
    }

    [Fact]
    public async Task Fork_IsRefusedWith422_AndTheStateStays()
    {
        Assert.Equal(200, (await AddAsync(0, Tree(100))).Status);

        // A tree of 150 whose first 100 entries differ: its proof from 100 cannot match the cosigned root.
        var fork = Tree(150, "forked");
        var answer = await AddAsync(100, fork, proofTree: Tree(150));
        Assert.Equal(422, answer.Status);

        // Even a proof built honestly over the forked tree does not verify against the cosigned root.
        answer = await AddAsync(100, fork, proofTree: fork);
        Assert.Equal(422, answer.Status);
        Assert.Equal(200, (await AddAsync(100, Tree(150))).Status);
    }

    [Fact]
    public async Task Rollback_IsRefusedWith409AndTheCosignedSize()
    {
        Assert.Equal(200, (await AddAsync(0, Tree(100))).Status);
        var answer = await AddAsync(0, Tree(90));
        Assert.Equal(409, answer.Status);
        Assert.Equal("text/x.tlog.size", answer.ContentType);
        Assert.Equal("100\n", answer.Body);

        // Claiming the cosigned size for a smaller tree is a bad request; the same size with another root a conflict.
        Assert.Equal(400, (await AddAsync(100, Tree(90))).Status);
        Assert.Equal(409, (await AddAsync(100, Tree(100, "other"))).Status);
        Assert.Equal(200, (await AddAsync(100, Tree(100))).Status);
    }

    [Fact]
    public async Task WrongKeyUnknownOriginAndGarbage_AreRefused()
    {
        using var stranger = NoteSigner.Generate(Origin, out _);
        Assert.Equal(403, (await AddAsync(0, Tree(5), Note(Tree(5), stranger))).Status);
        Assert.Equal(404, (await AddAsync(0, Tree(5), Note(Tree(5), origin: "elsewhere/log"))).Status);
        var garbage = await _witness.AddCheckpointAsync(Encoding.UTF8.GetBytes("old 01\n\nx\n"), default);
        Assert.Equal(400, garbage.Status);
    }

    [Fact]
    public async Task State_SurvivesARestart()
    {
        Assert.Equal(200, (await AddAsync(0, Tree(40))).Status);
        using var again = new CheckpointWitness(Cosigner.Generate("witness.example/w1", out _), new Dictionary<string, string> { [Origin] = _log.VerifierKey }, _dir, _time);
        var answer = await again.AddCheckpointAsync(Request(0, [], Note(Tree(40))), default);
        Assert.Equal(409, answer.Status);
        Assert.Equal("40\n", answer.Body);
    }
}
