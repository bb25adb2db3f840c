using System.Text;
using Candor.Transparency.Notes;

namespace Candor.UnitTests.Transparency.Notes;

public sealed class SignedNoteTests
{
    [Fact]
    public void SignedCheckpoint_VerifiesAndEveryFlippedByteFails()
    {
        using var signer = NoteSigner.Generate("candor.example/log", out string privateKey);
        var verifier = NoteVerifier.Parse(signer.VerifierKey);
        byte[] note = signer.Sign(new Checkpoint("candor.example/log", 5, new byte[32]).ToText());
        Assert.True(verifier.TryVerify(note, out string text, out _));
        Assert.True(Checkpoint.TryParse(text, out var checkpoint, out _));
        Assert.Equal(5, checkpoint!.Size);
        for (int i = 0; i < note.Length; i++)
        {
            byte[] bad = (byte[])note.Clone();
            bad[i] ^= 0x01;
            Assert.False(verifier.TryVerify(bad, out _, out _), $"byte {i}");
        }

        using var again = NoteSigner.Parse(privateKey);
        Assert.Equal(signer.VerifierKey, again.VerifierKey);
    }

    [Fact]
    public void VerifierKey_HasNameHexIdAndTypedKey()
    {
        using var signer = NoteSigner.Generate("example.com/log", out _);
        string[] parts = signer.VerifierKey.Split('+', 3); // the base64 key may itself hold '+'
        Assert.Equal("example.com/log", parts[0]);
        Assert.Equal(signer.KeyId.ToString("x8", System.Globalization.CultureInfo.InvariantCulture), parts[1]);
        byte[] data = Convert.FromBase64String(parts[2]);
        Assert.Equal(33, data.Length);
        Assert.Equal(0x01, data[0]);
        Assert.Equal(signer.KeyId, NoteKeys.KeyId("example.com/log", data.AsSpan(1)));
    }

    [Fact]
    public void OtherKey_DoesNotVerify()
    {
        using var a = NoteSigner.Generate("log", out _);
        using var b = NoteSigner.Generate("log", out _);
        byte[] note = a.Sign("log\n1\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n");
        Assert.False(NoteVerifier.Parse(b.VerifierKey).TryVerify(note, out _, out string error));
        Assert.Contains("no signature", error, StringComparison.Ordinal);
    }

    [Fact]
    public void TlogProof_RoundTrips()
    {
        var proof = new TlogProof(73, [new byte[32], Enumerable.Repeat((byte)7, 32).ToArray()], Encoding.UTF8.GetBytes("o\n1\nx\n\n— o AAAA\n"), [1, 2]);
        byte[] bytes = proof.ToBytes();
        Assert.StartsWith("c2sp.org/tlog-proof@v1\nextra AQI=\nindex 73\n", Encoding.UTF8.GetString(bytes), StringComparison.Ordinal);
        Assert.True(TlogProof.TryParse(bytes, out var parsed, out _));
        Assert.Equal(73, parsed!.Index);
        Assert.Equal(proof.SignedCheckpoint, parsed.SignedCheckpoint);
        Assert.Equal(2, parsed.Proof.Count);
        Assert.Equal([1, 2], parsed.Extra!);
    }
}
