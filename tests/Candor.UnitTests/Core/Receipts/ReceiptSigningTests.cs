using System.Text;
using Candor.Core.Receipts;

namespace Candor.UnitTests.Core.Receipts;

public sealed class ReceiptSigningTests
{
    private static readonly byte[] Seed = Enumerable.Range(1, 32).Select(i => (byte)i).ToArray();

    private static byte[] SignSample(ReceiptSigner signer) => ReceiptService.SignCanonical(signer, """
        {"v":1,"id":"rcpt_0123","outcome":"complete","status":200,"flags":[],"usage":{"reported":{"input_tokens":12,"output_tokens":30}},
         "model":{"requested":"m","upstream":"gpt-4o-mini","reported":"gpt-4o-mini-2024-07-18"},"note":"é \u0001 \"q\""}
        """u8);

    [Fact]
    public void SignedReceipt_VerifiesAndIsCanonical()
    {
        using var signer = new ReceiptSigner("relay.example/receipts", Seed);
        byte[] signed = SignSample(signer);
        var result = ReceiptVerifier.Verify(signed, signer.VerifierKey);
        Assert.True(result.Valid, result.Reason);
        Assert.Equal(signed, Jcs.Canonicalize(signed));
        Assert.StartsWith("{\"receipt\":{\"flags\":[]", Encoding.UTF8.GetString(signed));
    }

    [Fact]
    public void EveryChangedByte_FailsVerification()
    {
        using var signer = new ReceiptSigner("relay.example/receipts", Seed);
        byte[] signed = SignSample(signer);
        for (int i = 0; i < signed.Length; i++)
        {
            foreach (byte mask in (byte[])[0x01, 0x20])
            {
                byte[] changed = (byte[])signed.Clone();
                changed[i] ^= mask;
                var result = ReceiptVerifier.Verify(changed, signer.VerifierKey);
                result.Receipt?.Dispose();
                Assert.False(result.Valid, $"byte {i} ^ {mask:x2} still verifies");
            }
        }
    }

    [Fact]
    public void DuplicateReceiptMember_IsRejected()
    {
        using var signer = new ReceiptSigner("relay.example/receipts", Seed);
        string signed = Encoding.UTF8.GetString(SignSample(signer));
        Assert.True(ReceiptVerifier.Verify(Encoding.UTF8.GetBytes(signed), signer.VerifierKey).Valid);

        // A forged receipt first, the genuine one second: a last-wins parser would verify the genuine one.
        string forged = "{\"receipt\":{\"v\":1,\"id\":\"rcpt_forged\"}," + signed[1..];
        var result = ReceiptVerifier.Verify(Encoding.UTF8.GetBytes(forged), signer.VerifierKey);
        Assert.False(result.Valid);
        Assert.Contains("repeats a member name", result.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void DuplicateNestedMember_IsRejected()
    {
        using var signer = new ReceiptSigner("relay.example/receipts", Seed);
        string signed = Encoding.UTF8.GetString(SignSample(signer));
        string doubled = signed.Replace("\"outcome\":\"complete\"", "\"outcome\":\"complete\",\"outcome\":\"complete\"", StringComparison.Ordinal);
        Assert.NotEqual(signed, doubled);
        var result = ReceiptVerifier.Verify(Encoding.UTF8.GetBytes(doubled), signer.VerifierKey);
        Assert.False(result.Valid);
        Assert.Contains("repeats a member name", result.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void AnotherKey_DoesNotVerify()
    {
        using var signer = new ReceiptSigner("relay.example/receipts", Seed);
        using var other = ReceiptSigner.CreateEphemeral("relay.example/receipts");
        Assert.False(ReceiptVerifier.Verify(SignSample(signer), other.VerifierKey).Valid);
    }

    [Fact]
    public void VerifierKey_HasTheSignedNoteShape()
    {
        using var signer = new ReceiptSigner("relay.example/receipts", Seed);
        string[] parts = signer.VerifierKey.Split('+', 3);
        Assert.Equal("relay.example/receipts", parts[0]);
        Assert.Equal(signer.KeyId, parts[1]);
        byte[] typed = Convert.FromBase64String(parts[2]);
        Assert.Equal(33, typed.Length);
        Assert.Equal(1, typed[0]);
        Assert.Equal(signer.PublicKey, typed[1..]);
        Assert.True(ReceiptSigner.TryParseVerifierKey(signer.VerifierKey, out _, out _));
        Assert.False(ReceiptSigner.TryParseVerifierKey(signer.VerifierKey.Replace(signer.KeyId, "00000000", StringComparison.Ordinal), out _, out _));
    }

    [Fact]
    public void MemoryStore_KeepsTheNewest()
    {
        var store = new MemoryReceiptStore(capacity: 2);
        for (int i = 0; i < 3; i++)
        {
            store.SaveAsync(new StoredReceipt("rcpt_" + i, "config:x", null, DateTimeOffset.UnixEpoch, [1], null), default).GetAwaiter().GetResult();
        }

        Assert.Null(store.GetAsync("rcpt_0", default).GetAwaiter().GetResult());
        Assert.NotNull(store.GetAsync("rcpt_2", default).GetAwaiter().GetResult());
    }
}
