using System.Globalization;
using System.Text;
using System.Text.Json;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Crypto.Signers;

namespace Candor.FunctionalTests.Receipts;

/// <summary>A receipt verifier written from the specifications, sharing no code with the server: its own RFC 8785
/// serializer (for the JSON receipts contain: objects, arrays, strings, integers, booleans, null) and
/// BouncyCastle's Ed25519.</summary>
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
                    || signature.GetProperty("alg").GetString() != "Ed25519" || signature.GetProperty("key_name").GetString() != parts[0]
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
