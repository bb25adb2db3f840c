using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Candor.Core.Receipts;
using Candor.Transparency.Merkle;
using Microsoft.Extensions.Time.Testing;

namespace Candor.UnitTests.Core.Receipts;

/// <summary>Batch signing: the receipts sealed together share one signature over their Merkle root, each carries its
/// inclusion path and verifies alone; a receipt sealed alone keeps the format from before.</summary>
public sealed class ReceiptBatchTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);
    private static readonly DateTimeOffset Now = DateTimeOffset.UnixEpoch.AddDays(20_000);
    private static readonly byte[] Seed = Enumerable.Range(1, 32).Select(i => (byte)i).ToArray();

    [Fact]
    public void BatchTree_IsTheTransparencyLogsTree_ForEverySizeAndIndex()
    {
        for (int size = 1; size <= 70; size++)
        {
            var tree = new MemoryTree();
            var leaves = new byte[size * ReceiptBatch.HashLength];
            using var sha256 = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            for (int i = 0; i < size; i++)
            {
                byte[] entry = Encoding.UTF8.GetBytes($"{{\"id\":\"rcpt_{i}\"}}");
                tree.Append(entry);
                ReceiptBatch.Leaf(sha256, entry, leaves.AsSpan(i * ReceiptBatch.HashLength, ReceiptBatch.HashLength));
            }

            var levels = ReceiptBatch.Levels(leaves, size);
            byte[] root = levels[^1][..ReceiptBatch.HashLength];
            Assert.Equal(MerkleProofs.Root(tree, size), root);
            for (int i = 0; i < size; i++)
            {
                var path = Enumerable.Range(0, ReceiptBatch.PathLength(levels, size, i)).Select(step => ReceiptBatch.PathNode(levels, size, i, step).ToArray()).ToList();
                Assert.Equal(MerkleProofs.Inclusion(tree, i, size), path);
                byte[] computed = new byte[ReceiptBatch.HashLength];
                var leaf = leaves.AsSpan(i * ReceiptBatch.HashLength, ReceiptBatch.HashLength);
                Assert.True(ReceiptBatch.TryRootFromPath(leaf, i, size, path, computed));
                Assert.Equal(root, computed);
                Assert.False(ReceiptBatch.TryRootFromPath(leaf, i, size, [.. path, root], computed));
            }
        }
    }

    [Fact]
    public async Task HeldSigner_SignsEveryWaitingReceiptUnderOneSignature_EachVerifies()
    {
        using var signer = new ReceiptSigner("relay.example/receipts", Seed);
        using var batch = new ReceiptBatchSigner(signer);
        var signed = await SignTogetherAsync(signer, batch, 11);

        Assert.Equal(1, batch.Batches);
        var signatures = new HashSet<string>();
        for (int i = 0; i < signed.Length; i++)
        {
            var result = ReceiptVerifier.Verify(signed[i].Body, signer.VerifierKey);
            Assert.True(result.Valid, result.Reason);
            result.Receipt!.Dispose();
            Assert.Equal(signed[i].Body, Jcs.Canonicalize(signed[i].Body));
            using var doc = JsonDocument.Parse(signed[i].Body);
            var signature = doc.RootElement.GetProperty("signature");
            Assert.Equal(ReceiptBatch.Algorithm, signature.GetProperty("alg").GetString());
            Assert.Equal(11, signature.GetProperty("batch").GetProperty("size").GetInt32());
            Assert.Equal(i, signature.GetProperty("batch").GetProperty("index").GetInt32());
            Assert.Equal($"rcpt_{i}", doc.RootElement.GetProperty("receipt").GetProperty("id").GetString());
            Assert.Equal(($"rcpt_{i}", "config:a", Now), (signed[i].Id, signed[i].OwnerId, signed[i].CreatedAt));
            signatures.Add(signature.GetProperty("sig").GetString()!);
        }

        Assert.Single(signatures);
    }

    [Fact]
    public async Task BatchReceipt_EveryChangedByte_FailsVerification()
    {
        using var signer = new ReceiptSigner("relay.example/receipts", Seed);
        using var batch = new ReceiptBatchSigner(signer);
        var signed = await SignTogetherAsync(signer, batch, 5);
        byte[] body = signed[2].Body;
        for (int i = 0; i < body.Length; i++)
        {
            foreach (byte mask in (byte[])[0x01, 0x20])
            {
                byte[] changed = (byte[])body.Clone();
                changed[i] ^= mask;
                var result = ReceiptVerifier.Verify(changed, signer.VerifierKey);
                result.Receipt?.Dispose();
                Assert.False(result.Valid, $"byte {i} ^ {mask:x2} still verifies");
            }
        }
    }

    [Fact]
    public async Task AnotherReceiptsPath_OrIndex_DoesNotVerify()
    {
        using var signer = new ReceiptSigner("relay.example/receipts", Seed);
        using var batch = new ReceiptBatchSigner(signer);
        var signed = await SignTogetherAsync(signer, batch, 4);
        using var first = JsonDocument.Parse(signed[0].Body);
        using var second = JsonDocument.Parse(signed[1].Body);

        // The second receipt under the first one's batch member (its path and index): a valid signature, another leaf.
        string swapped = Encoding.UTF8.GetString(signed[1].Body).Replace(
            second.RootElement.GetProperty("signature").GetProperty("batch").GetRawText(),
            first.RootElement.GetProperty("signature").GetProperty("batch").GetRawText(), StringComparison.Ordinal);
        var result = ReceiptVerifier.Verify(Encoding.UTF8.GetBytes(swapped), signer.VerifierKey);
        Assert.False(result.Valid);
        Assert.Equal("the signature does not match the receipt's batch", result.Reason);
        result.Receipt!.Dispose();

        // A batch receipt presented as one signed alone.
        string alone = Encoding.UTF8.GetString(signed[1].Body).Replace("\"alg\":\"Ed25519-batch\"", "\"alg\":\"Ed25519\"", StringComparison.Ordinal);
        result = ReceiptVerifier.Verify(Encoding.UTF8.GetBytes(alone), signer.VerifierKey);
        Assert.False(result.Valid);
        result.Receipt!.Dispose();
    }

    [Fact]
    public async Task ReceiptAlone_IsSignedAsBefore_ByteForByte()
    {
        using var signer = new ReceiptSigner("relay.example/receipts", Seed);
        using var batch = new ReceiptBatchSigner(signer);
        var sealer = new ReceiptSealer(signer, null, new FakeTimeProvider(Now));
        using var draft = Draft(0);

        var batched = await sealer.SealAsync(draft, null, null, ReceiptOutcome.Complete, 200, batch).WaitAsync(Timeout);
        var direct = sealer.Seal(draft, null, null, ReceiptOutcome.Complete, 200);

        // Ed25519 is deterministic: the same receipt signed alone gives the same bytes.
        Assert.Equal(direct.Body, batched.Body);
        using var doc = JsonDocument.Parse(batched.Body);
        Assert.Equal("Ed25519", doc.RootElement.GetProperty("signature").GetProperty("alg").GetString());
        Assert.False(doc.RootElement.GetProperty("signature").TryGetProperty("batch", out _));
    }

    [Fact]
    public async Task AfterDispose_AReceiptIsSignedAloneAtOnce()
    {
        using var signer = new ReceiptSigner("relay.example/receipts", Seed);
        var batch = new ReceiptBatchSigner(signer);
        batch.Dispose();
        var sealer = new ReceiptSealer(signer, null, new FakeTimeProvider(Now));
        using var draft = Draft(0);

        var task = sealer.SealAsync(draft, null, null, ReceiptOutcome.Complete, 200, batch);

        Assert.True(task.IsCompletedSuccessfully);
        Assert.True(ReceiptVerifier.Verify((await task.WaitAsync(Timeout)).Body, signer.VerifierKey).Valid);
    }

    /// <summary>Holds the loop, seals <paramref name="count"/> receipts, and lets the loop take them all at once.</summary>
    private static async Task<StoredReceipt[]> SignTogetherAsync(ReceiptSigner signer, ReceiptBatchSigner batch, int count)
    {
        var sealer = new ReceiptSealer(signer, null, new FakeTimeProvider(Now));
        var drafts = Enumerable.Range(0, count).Select(Draft).ToList();
        var tasks = new List<Task<StoredReceipt>>();
        using (await batch.HoldAsync(CancellationToken.None).WaitAsync(Timeout))
        {
            foreach (var draft in drafts)
            {
                tasks.Add(sealer.SealAsync(draft, null, null, ReceiptOutcome.Complete, 200, batch));
            }

            Assert.Equal(count, batch.Waiting);
        }

        var signed = await Task.WhenAll(tasks).WaitAsync(Timeout);
        drafts.ForEach(d => d.Dispose());
        return signed;
    }

    private static ReceiptDraft Draft(int i) =>
        new($"rcpt_{i}", $"req_{i}", "openai", "config:a", null, "0123456789abcdef0123456789abcdef", Encoding.UTF8.GetBytes($"{{\"n\":{i}}}"));
}
