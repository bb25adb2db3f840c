using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Crypto.Signers;

namespace Candor.FunctionalTests.Transparency;

/// <summary>A verifier written from the specifications alone (c2sp.org/signed-note, tlog-checkpoint, tlog-proof,
/// tlog-tiles; RFC 6962), sharing no code with the server: Ed25519 through BouncyCastle, and proofs checked by
/// rebuilding the roots recursively along RFC 6962's own definitions rather than RFC 9162's bit loop the server
/// uses. Every method returns null when the input verifies, else the reason.</summary>
internal static class IndependentVerifier
{
    /// <summary>A verified checkpoint.</summary>
    public sealed record VerifiedCheckpoint(string Origin, long Size, byte[] Root);

    /// <summary>Canonical base64 only: the decoded bytes must encode back to the same text.</summary>
    private static byte[] Base64(string text)
    {
        byte[] bytes = System.Convert.FromBase64String(text);
        return System.Convert.ToBase64String(bytes) == text ? bytes : throw new FormatException("non-canonical base64");
    }

    public static byte[] LeafHash(byte[] entry) => SHA256.HashData([0, .. entry]);

    private static byte[] NodeHash(byte[] left, byte[] right) => SHA256.HashData([1, .. left, .. right]);

    private static long Split(long n)
    {
        long k = 1;
        while (k * 2 < n)
        {
            k *= 2;
        }

        return k;
    }

    /// <summary>Checks a signed checkpoint against a verifier key string.</summary>
    public static string? Checkpoint(string verifierKey, byte[] note, out VerifiedCheckpoint? checkpoint)
    {
        checkpoint = null;
        int plus1 = verifierKey.IndexOf('+', StringComparison.Ordinal);
        int plus2 = verifierKey.IndexOf('+', plus1 + 1);
        string name = verifierKey[..plus1];
        uint id = uint.Parse(verifierKey[(plus1 + 1)..plus2], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
        byte[] keyData = Base64(verifierKey[(plus2 + 1)..]);
        if (keyData.Length != 33 || keyData[0] != 1)
        {
            return "not an Ed25519 verifier key";
        }

        byte[] keyHash = SHA256.HashData([.. Encoding.UTF8.GetBytes(name), (byte)'\n', .. keyData]);
        if (BinaryPrimitives.ReadUInt32BigEndian(keyHash) != id)
        {
            return "verifier key id mismatch";
        }

        string text;
        try
        {
            text = new UTF8Encoding(false, true).GetString(note);
        }
        catch (DecoderFallbackException)
        {
            return "not UTF-8";
        }

        int sep = text.LastIndexOf("\n\n", StringComparison.Ordinal);
        if (sep < 0 || !text.EndsWith('\n'))
        {
            return "malformed note";
        }

        string body = text[..(sep + 1)];
        bool signed = false;
        foreach (string line in text[(sep + 2)..].TrimEnd('\n').Split('\n'))
        {
            if (!line.StartsWith("— ", StringComparison.Ordinal))
            {
                return "malformed signature line";
            }

            string[] fields = line[2..].Split(' ');
            if (fields.Length != 2)
            {
                return "malformed signature line";
            }

            byte[] sig;
            try
            {
                sig = Base64(fields[1]);
            }
            catch (FormatException)
            {
                return "signature not base64";
            }

            if (fields[0] != name || sig.Length < 4 || BinaryPrimitives.ReadUInt32BigEndian(sig) != id)
            {
                continue;
            }

            var verifier = new Ed25519Signer();
            verifier.Init(false, new Ed25519PublicKeyParameters(keyData, 1));
            byte[] message = Encoding.UTF8.GetBytes(body);
            verifier.BlockUpdate(message, 0, message.Length);
            if (sig.Length != 68 || !verifier.VerifySignature(sig[4..]))
            {
                return "bad signature";
            }

            signed = true;
        }

        if (!signed)
        {
            return "no signature by the key";
        }

        string[] lines = body.Split('\n');
        if (lines.Length < 4 || !long.TryParse(lines[1], NumberStyles.None, CultureInfo.InvariantCulture, out long size))
        {
            return "malformed checkpoint";
        }

        byte[] root;
        try
        {
            root = Base64(lines[2]);
        }
        catch (FormatException)
        {
            return "root not base64";
        }

        if (root.Length != 32)
        {
            return "root not 32 bytes";
        }

        checkpoint = new VerifiedCheckpoint(lines[0], size, root);
        return null;
    }

    /// <summary>Checks a c2sp.org/tlog-proof document for <paramref name="entry"/>.</summary>
    public static string? TlogProof(string verifierKey, string origin, byte[] entry, byte[] document)
    {
        string text;
        try
        {
            text = new UTF8Encoding(false, true).GetString(document);
        }
        catch (DecoderFallbackException)
        {
            return "not UTF-8";
        }

        int blank = text.IndexOf("\n\n", StringComparison.Ordinal);
        if (blank < 0)
        {
            return "no blank line";
        }

        var lines = text[..blank].Split('\n').ToList();
        if (lines[0] != "c2sp.org/tlog-proof@v1")
        {
            return "bad header";
        }

        int at = lines.Count > 1 && lines[1].StartsWith("extra ", StringComparison.Ordinal) ? 2 : 1;
        if (at >= lines.Count || !lines[at].StartsWith("index ", StringComparison.Ordinal)
            || !long.TryParse(lines[at][6..], NumberStyles.None, CultureInfo.InvariantCulture, out long index)
            || lines[at][6..] != index.ToString(CultureInfo.InvariantCulture))
        {
            return "bad index line";
        }

        var proof = new List<byte[]>();
        foreach (string line in lines.Skip(at + 1))
        {
            try
            {
                proof.Add(Base64(line));
            }
            catch (FormatException)
            {
                return "proof hash not base64";
            }
        }

        if (Checkpoint(verifierKey, Encoding.UTF8.GetBytes(text[(blank + 2)..]), out var checkpoint) is { } error)
        {
            return error;
        }

        if (checkpoint!.Origin != origin)
        {
            return "wrong origin";
        }

        return Inclusion(LeafHash(entry), index, checkpoint.Size, proof, checkpoint.Root);
    }

    /// <summary>Checks an inclusion proof by rebuilding the root along RFC 6962's PATH recursion.</summary>
    public static string? Inclusion(byte[] leaf, long index, long size, List<byte[]> proof, byte[] root)
    {
        if (index < 0 || index >= size || proof.Any(static p => p.Length != 32))
        {
            return "index out of range or malformed hash";
        }

        int used = 0;
        byte[]? computed = Rebuild(leaf, index, size, proof, ref used);
        return computed is not null && used == proof.Count && computed.SequenceEqual(root) ? null : "inclusion proof does not verify";
    }

    private static byte[]? Rebuild(byte[] leaf, long index, long size, List<byte[]> proof, ref int used)
    {
        if (size == 1)
        {
            return leaf;
        }

        long k = Split(size);
        byte[]? inner = index < k ? Rebuild(leaf, index, k, proof, ref used) : Rebuild(leaf, index - k, size - k, proof, ref used);
        if (inner is null || used >= proof.Count)
        {
            return null;
        }

        byte[] sibling = proof[used++];
        return index < k ? NodeHash(inner, sibling) : NodeHash(sibling, inner);
    }

    /// <summary>Checks a consistency proof by rebuilding both roots along RFC 6962's SUBPROOF recursion.</summary>
    public static string? Consistency(long oldSize, long newSize, byte[] oldRoot, byte[] newRoot, List<byte[]> proof)
    {
        if (oldSize < 1 || oldSize >= newSize || proof.Any(static p => p.Length != 32))
        {
            return oldSize == newSize && proof.Count == 0 && oldRoot.SequenceEqual(newRoot) ? null : "sizes or hashes malformed";
        }

        int used = 0;
        var result = Sub(oldSize, newSize, true, oldRoot, proof, ref used);
        return result is { } r && used == proof.Count && r.Old.SequenceEqual(oldRoot) && r.New.SequenceEqual(newRoot)
            ? null
            : "consistency proof does not verify";
    }

    private static (byte[] Old, byte[] New)? Sub(long m, long n, bool whole, byte[] oldRoot, List<byte[]> proof, ref int used)
    {
        if (m == n)
        {
            if (whole)
            {
                return (oldRoot, oldRoot);
            }

            if (used >= proof.Count)
            {
                return null;
            }

            byte[] h = proof[used++];
            return (h, h);
        }

        long k = Split(n);
        if (m <= k)
        {
            var inner = Sub(m, k, whole, oldRoot, proof, ref used);
            if (inner is null || used >= proof.Count)
            {
                return null;
            }

            byte[] right = proof[used++];
            return (inner.Value.Old, NodeHash(inner.Value.New, right));
        }
        else
        {
            var inner = Sub(m - k, n - k, false, oldRoot, proof, ref used);
            if (inner is null || used >= proof.Count)
            {
                return null;
            }

            byte[] left = proof[used++];
            return (NodeHash(left, inner.Value.Old), NodeHash(left, inner.Value.New));
        }
    }

    /// <summary>The tree hash of the leaves [lo, hi) computed from leaf hashes (the tiles' level-0 hashes).</summary>
    public static byte[] RootOf(IReadOnlyList<byte[]> leaves, int lo, int hi)
    {
        if (hi - lo == 1)
        {
            return leaves[lo];
        }

        int k = (int)Split(hi - lo);
        return NodeHash(RootOf(leaves, lo, lo + k), RootOf(leaves, lo + k, hi));
    }

    /// <summary>The tlog-tiles path of tile N (groups of three digits, 'x' on all but the last).</summary>
    public static string TilePath(string level, long n, int width)
    {
        string digits = n.ToString(CultureInfo.InvariantCulture);
        while (digits.Length % 3 != 0)
        {
            digits = "0" + digits;
        }

        var groups = Enumerable.Range(0, digits.Length / 3).Select(i => digits.Substring(i * 3, 3)).ToList();
        string path = "tile/" + level + "/" + string.Join('/', groups.Select((g, i) => i < groups.Count - 1 ? "x" + g : g));
        return width == 256 ? path : path + ".p/" + width.ToString(CultureInfo.InvariantCulture);
    }
}
