using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Numerics;
using Org.BouncyCastle.Crypto.Digests;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Crypto.Signers;

namespace Candor.FunctionalTests.Receipts;

/// <summary>A receipt verifier written from the specifications, sharing no code with the server: its own RFC 8785
/// serializer (for the JSON receipts contain: objects, arrays, strings, integers, booleans, null) and
/// BouncyCastle's Ed25519 and SHA-256. Both formats of docs/receipts.md: a receipt signed alone (<c>Ed25519</c>: the
/// signature covers the canonical receipt) and a batch-signed one (<c>Ed25519-batch</c>: the signature covers
/// <c>"candor/receipt-batch/v1" 0x00 || uint64be(size) || root</c>, the root rebuilt from the receipt's RFC 9162 leaf and
/// inclusion path the way transparency-dev's verifier splits a path into its inner and border parts).</summary>
public static class IndependentReceiptVerifier
{
    public static bool Verify(byte[] signedReceipt, string verifierKey)
    {
        string[] parts = verifierKey.Split('+', 3);
        byte[] typed = Convert.FromBase64String(parts[2]);
        if (typed.Length != 33 || typed[0] != 1)
        {
            return false;
        }

        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(signedReceipt);
        }
        catch (JsonException)
        {
            return false;
        }

        using (doc)
        {
            try
            {
                var root = doc.RootElement;
                if (!root.TryGetProperty("receipt", out var receipt) || !root.TryGetProperty("signature", out var signature)
                    || signature.GetProperty("alg").GetString() is not ("Ed25519" or "Ed25519-batch") || signature.GetProperty("key_name").GetString() != parts[0]
                    || signature.GetProperty("key_id").GetString() != parts[1])
                {
                    return false;
                }

                string sigText = signature.GetProperty("sig").GetString()!;
                byte[] sig = Convert.FromBase64String(sigText);
                if (Convert.ToBase64String(sig) != sigText || sig.Length != 64)
                {
                    return false;
                }

                var sb = new StringBuilder();
                Serialize(receipt, sb);
                byte[] message = new UTF8Encoding(false, true).GetBytes(sb.ToString());
                if (signature.GetProperty("alg").GetString() == "Ed25519-batch")
                {
                    message = BatchStatement(message, signature.GetProperty("batch"));
                    if (message.Length == 0)
                    {
                        return false;
                    }
                }

                var verifier = new Ed25519Signer();
                verifier.Init(false, new Ed25519PublicKeyParameters(typed, 1));
                verifier.BlockUpdate(message, 0, message.Length);
                return verifier.VerifySignature(sig);
            }
            catch (Exception e) when (e is FormatException or InvalidOperationException or KeyNotFoundException or EncoderFallbackException or ArgumentException)
            {
                return false;
            }
        }
    }

    /// <summary>The statement a batch signature covers, or nothing when the path does not lead to a root.</summary>
    private static byte[] BatchStatement(byte[] canonicalReceipt, JsonElement batch)
    {
        ulong index = batch.GetProperty("index").GetUInt64();
        ulong size = batch.GetProperty("size").GetUInt64();
        var path = new List<byte[]>();
        foreach (var node in batch.GetProperty("path").EnumerateArray())
        {
            string text = node.GetString()!;
            byte[] hash = Convert.FromBase64String(text);
            if (hash.Length != 32 || Convert.ToBase64String(hash) != text)
            {
                return [];
            }

            path.Add(hash);
        }

        if (index >= size)
        {
            return [];
        }

        // The path's first `inner` hashes are siblings chosen by the index's bits; the remaining `border` ones are
        // left siblings on the tree's right border.
        int inner = 64 - BitOperations.LeadingZeroCount(index ^ (size - 1));
        int border = BitOperations.PopCount(inner >= 64 ? 0 : index >> inner);
        if (path.Count != inner + border)
        {
            return [];
        }

        byte[] hash256 = Sha256([0x00], canonicalReceipt);
        for (int i = 0; i < path.Count; i++)
        {
            bool leftSibling = i >= inner || ((index >> i) & 1) == 1;
            hash256 = leftSibling ? Sha256([0x01], path[i], hash256) : Sha256([0x01], hash256, path[i]);
        }

        byte[] statement = new byte[24 + 8 + 32];
        Encoding.ASCII.GetBytes("candor/receipt-batch/v1").CopyTo(statement, 0);
        statement[23] = 0;
        for (int i = 0; i < 8; i++)
        {
            statement[24 + i] = (byte)(size >> (56 - (8 * i)));
        }

        hash256.CopyTo(statement, 32);
        return statement;
    }

    private static byte[] Sha256(params byte[][] parts)
    {
        var digest = new Sha256Digest();
        foreach (byte[] part in parts)
        {
            digest.BlockUpdate(part, 0, part.Length);
        }

        byte[] output = new byte[32];
        digest.DoFinal(output, 0);
        return output;
    }

    private static void Serialize(JsonElement e, StringBuilder sb)
    {
        switch (e.ValueKind)
        {
            case JsonValueKind.Object:
                sb.Append('{');
                bool first = true;
                foreach (var p in e.EnumerateObject().OrderBy(p => p.Name, StringComparer.Ordinal))
                {
                    if (!first)
                    {
                        sb.Append(',');
                    }

                    first = false;
                    Quote(p.Name, sb);
                    sb.Append(':');
                    Serialize(p.Value, sb);
                }

                sb.Append('}');
                break;
            case JsonValueKind.Array:
                sb.Append('[');
                int i = 0;
                foreach (var item in e.EnumerateArray())
                {
                    if (i++ > 0)
                    {
                        sb.Append(',');
                    }

                    Serialize(item, sb);
                }

                sb.Append(']');
                break;
            case JsonValueKind.String:
                Quote(e.GetString()!, sb);
                break;
            case JsonValueKind.Number:
                // Receipts hold only integers below 2^53; their ECMAScript form is the plain integer.
                sb.Append(e.GetInt64().ToString(CultureInfo.InvariantCulture));
                break;
            case JsonValueKind.True:
                sb.Append("true");
                break;
            case JsonValueKind.False:
                sb.Append("false");
                break;
            default:
                sb.Append("null");
                break;
        }
    }

    private static void Quote(string s, StringBuilder sb)
    {
        sb.Append('"');
        foreach (char c in s)
        {
            switch (c)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\b': sb.Append("\\b"); break;
                case '\f': sb.Append("\\f"); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                default:
                    if (c < 0x20)
                    {
                        sb.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    }
                    else
                    {
                        sb.Append(c);
                    }

                    break;
            }
        }

        sb.Append('"');
    }
}
