using System.Security.Cryptography;
using Candor.Core.Admission;
using Candor.FunctionalTests.Infrastructure;
using Candor.Server.Transparency;
using Candor.Storage;
using Candor.Transparency.Merkle;
using Candor.Transparency.Notes;
using Microsoft.Extensions.Logging.Abstractions;

namespace Candor.FunctionalTests.Cluster;

/// <summary>The platform's shared transparency log (<see cref="SharedLog"/>) with two nodes in one process on one
/// PostgreSQL schema: one sequences, both serve the same tree; the sequencer leaves and the other takes over without
/// a fork; a node with other keys is refused. The process-level failover (kill -9) is
/// <see cref="SharedLogFailoverTests"/>.</summary>
public sealed class SharedLogTests : IAsyncLifetime
{
    private const string Origin = "shared.test/log";
    private readonly string _privateKey;
    private PostgresTestSchema _schema = null!;

    public SharedLogTests()
    {
        using var signer = NoteSigner.Generate(Origin, out _privateKey);
    }

    public async Task InitializeAsync()
    {
        string database = Environment.GetEnvironmentVariable("CANDOR_TEST_POSTGRES") ?? "";
        if (database.Length == 0)
        {
            return;
        }

        _schema = await PostgresTestSchema.CreateInAsync(database, CancellationToken.None);
        using var store = await PostgresStore.OpenAsync(_schema.ConnectionString, null, KeyHasher.CreateEphemeral(), null, CancellationToken.None);
    }

    public async Task DisposeAsync()
    {
        if (_schema is not null)
        {
            await _schema.DisposeAsync();
        }
    }

    private Task<SharedLog> OpenAsync(string? privateKey = null, string receiptKey = "receipts+1+AAAA", TimeSpan? mergeDelay = null) =>
        SharedLog.OpenAsync(_schema.ConnectionString, null, Origin, "unused/log", _ => NoteSigner.Parse(privateKey ?? _privateKey), receiptKey,
            mergeDelay ?? TimeSpan.FromMilliseconds(400), TimeProvider.System, CancellationToken.None);

    private async Task<List<(string Id, byte[] Body)>> StoreReceiptsAsync(int count, CancellationToken ct)
    {
        var receipts = new List<(string, byte[])>();
        for (int i = 0; i < count; i++)
        {
            string id = "rcpt_" + Guid.NewGuid().ToString("N");
            byte[] body = RandomNumberGenerator.GetBytes(64);
            await _schema.ExecuteAsync("INSERT INTO receipts (id, owner_id, account_id, created_at, body, leaf_index) VALUES (@id, 'o', NULL, @at, @body, NULL)", ct,
                ("id", id), ("at", DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()), ("body", body));
            receipts.Add((id, body));
        }

        return receipts;
    }

    [ClusterFact]
    public async Task TwoNodes_OneSequencesAndBothServeOneTreeHoldingEveryReceipt()
    {
        var ct = Json.Timeout(60);
        await using var a = await OpenAsync();
        await using var b = await OpenAsync();
        a.Start(NullLogger.Instance);
        b.Start(NullLogger.Instance);
        var receipts = new List<(string Id, byte[] Body)>();
        for (int round = 0; round < 3; round++)
        {
            receipts.AddRange(await StoreReceiptsAsync(110, ct));
        }

        await WaitAsync(() => a.Size == receipts.Count && b.Size == receipts.Count, ct);
        Assert.True(a.IsSequencer ^ b.IsSequencer, "exactly one node sequences");
        Assert.Equal(a.Checkpoint, b.Checkpoint);

        var seen = new HashSet<long>();
        foreach (var (id, body) in receipts)
        {
            long index = (long)(await _schema.ExecuteAsync("SELECT leaf_index FROM receipts WHERE id = @id", ct, ("id", id)))!;
            Assert.True(seen.Add(index));
            byte[] leaf = TreeHash.Leaf(SHA256.HashData(body));
            Assert.Equal(leaf, a.LeafHash(index));
            Assert.Equal(leaf, b.LeafHash(index));
            var (proof, checkpoint, size) = b.InclusionProof(index);
            Assert.True(NoteVerifier.Parse(b.VerifierKey).TryVerify(checkpoint, out string text, out _));
            Assert.True(Checkpoint.TryParse(text, out var parsed, out _));
            Assert.True(MerkleProofs.VerifyInclusion(leaf, index, size, proof, parsed!.Root));
        }

        // The tiles a verifier fetches come from the database on either node.
        Assert.Equal(await a.ReadResourceAsync("tile/0/000", ct), await b.ReadResourceAsync("tile/0/000", ct));
        Assert.NotNull(await b.ReadResourceAsync("tile/entries/001.p/74", ct));
    }

    [ClusterFact]
    public async Task SequencerLeaves_TheOtherTakesOverAndItsTreeExtendsTheOld()
    {
        var ct = Json.Timeout(60);
        var a = await OpenAsync();
        await using var b = await OpenAsync();
        a.Start(NullLogger.Instance);
        await WaitAsync(() => a.IsSequencer, ct);
        b.Start(NullLogger.Instance);
        await StoreReceiptsAsync(50, ct);
        await WaitAsync(() => b.Size == 50, ct);
        byte[] before = b.Checkpoint;
        Assert.False(b.IsSequencer);

        await a.DisposeAsync(); // its session ends: PostgreSQL releases the lock
        await WaitAsync(() => b.IsSequencer, ct);
        await StoreReceiptsAsync(300, ct);
        await WaitAsync(() => b.Size == 350, ct);

        var verifier = NoteVerifier.Parse(b.VerifierKey);
        Assert.True(verifier.TryVerify(before, out string oldText, out _));
        Assert.True(Checkpoint.TryParse(oldText, out var old, out _));
        var (proof, oldRoot, newRoot) = b.ConsistencyProof(50, 350);
        Assert.Equal(old!.Root, oldRoot);
        Assert.True(MerkleProofs.VerifyConsistency(50, 350, oldRoot, newRoot, proof));
    }

    [ClusterFact]
    public async Task NodeWithOtherKeys_IsRefused()
    {
        await using var first = await OpenAsync();
        using var other = NoteSigner.Generate(Origin, out string otherKey);
        var log = await Assert.ThrowsAsync<InvalidDataException>(() => OpenAsync(otherKey));
        Assert.Contains("log signing key", log.Message, StringComparison.Ordinal);
        var receipt = await Assert.ThrowsAsync<InvalidDataException>(() => OpenAsync(receiptKey: "receipts+2+BBBB"));
        Assert.Contains("receipt key", receipt.Message, StringComparison.Ordinal);
    }

    private static async Task WaitAsync(Func<bool> condition, CancellationToken ct)
    {
        while (!condition())
        {
            await Task.Delay(20, ct);
        }
    }
}
