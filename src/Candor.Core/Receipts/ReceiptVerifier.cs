using System.Buffers;
using System.Security.Cryptography;
using System.Text.Json;

namespace Candor.Core.Receipts;

/// <summary>Checks a signed receipt offline: re-canonicalizes its <c>receipt</c> member (RFC 8785), checks that the
/// signature's key id is the verifier key's hash, and checks the Ed25519 signature — over those bytes (<c>alg</c>
/// <c>Ed25519</c>), or over the root of the batch the receipt was signed in, computed from the receipt and its inclusion
/// path (<c>alg</c> <c>Ed25519-batch</c>, <see cref="ReceiptBatch"/>).</summary>
internal static class ReceiptVerifier
{
    private static readonly JsonDocumentOptions UniqueMembers = new() { AllowDuplicateProperties = false };

    /// <summary>The result of a check: <see cref="Valid"/>, and otherwise why not.</summary>
    /// <param name="Valid">True when the signature verifies under the key.</param>
    /// <param name="Reason">Why it does not (empty when valid).</param>
    /// <param name="Receipt">The parsed receipt (valid or not, when it could be parsed); its owner disposes it.</param>
    public sealed record Result(bool Valid, string Reason, JsonDocument? Receipt);

    /// <summary>Verifies <paramref name="signedReceipt"/> against a signed-note verifier key.</summary>
    public static Result Verify(ReadOnlySpan<byte> signedReceipt, string verifierKey)
    {
        try
        {
            return VerifyCore(signedReceipt, verifierKey);
        }
        catch (InvalidOperationException)
        {
            // A string with invalid UTF-8 inside otherwise well-formed JSON.
            return new(false, "the receipt holds invalid UTF-8", null);
        }
    }

    private static Result VerifyCore(ReadOnlySpan<byte> signedReceipt, string verifierKey)
    {
        if (!ReceiptSigner.TryParseVerifierKey(verifierKey, out string name, out byte[] publicKey))
        {
            return new(false, "the verifier key is not an Ed25519 signed-note key (name+hash+base64)", null);
        }

        // RFC 8785 takes I-JSON: a member name twice in one object is refused, not resolved (a parser keeping the
        // last would verify the second "receipt" while a reader of the first sees another document).
        JsonDocument document;
        byte[] bytes = signedReceipt.ToArray();
        try
        {
            document = JsonDocument.Parse(bytes, UniqueMembers);
        }
        catch (JsonException)
        {
            return new(false, IsJsonWithDuplicates(bytes) ? "the document repeats a member name in one object (RFC 8785 takes I-JSON: no duplicates)" : "the file is not JSON", null);
        }

        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object
            || !root.TryGetProperty("receipt", out var receipt) || receipt.ValueKind != JsonValueKind.Object
            || !root.TryGetProperty("signature", out var signature) || signature.ValueKind != JsonValueKind.Object)
        {
            return new(false, "not a signed receipt (expected 'receipt' and 'signature' objects)", document);
        }

        string? alg = Text(signature, "alg");
        if (alg is not ("Ed25519" or ReceiptBatch.Algorithm))
        {
            return new(false, "the signature algorithm is not Ed25519 (nor Ed25519-batch)", document);
        }

        string expectedId = ReceiptSigner.ComputeKeyHash(name, publicKey).ToString("x8", System.Globalization.CultureInfo.InvariantCulture);
        if (Text(signature, "key_id") != expectedId || Text(signature, "key_name") != name)
        {
            return new(false, $"signed by another key ({Text(signature, "key_name")}+{Text(signature, "key_id")}), not {name}+{expectedId}", document);
        }

        byte[] sig;
        string sigText = Text(signature, "sig") ?? "";
        try
        {
            sig = Convert.FromBase64String(sigText);
        }
        catch (FormatException)
        {
            return new(false, "the signature is not base64", document);
        }

        // Base64 has spare bits in its last character; only the canonical spelling is accepted.
        if (!string.Equals(Convert.ToBase64String(sig), sigText, StringComparison.Ordinal))
        {
            return new(false, "the signature is not in canonical base64", document);
        }

        var canonical = new ArrayBufferWriter<byte>(signedReceipt.Length);
        try
        {
            Jcs.Write(receipt, canonical);
        }
        catch (Exception e) when (e is JsonException or ArgumentException or System.Text.EncoderFallbackException)
        {
            return new(false, "the receipt cannot be canonicalized: " + e.Message, document);
        }

        if (alg == ReceiptBatch.Algorithm)
        {
            return VerifyBatch(signature, canonical.WrittenSpan, publicKey, sig, document);
        }

        return ReceiptSigner.Verify(publicKey, canonical.WrittenSpan, sig)
            ? new(true, "", document)
            : new(false, "the signature does not match the receipt", document);
    }

    /// <summary>A batch-signed receipt: its leaf and inclusion path give the batch's root, and the signature covers the
    /// statement naming that root and the batch's size.</summary>
    private static Result VerifyBatch(JsonElement signature, ReadOnlySpan<byte> canonicalReceipt, byte[] publicKey, byte[] sig, JsonDocument document)
    {
        if (!signature.TryGetProperty("batch", out var batch) || batch.ValueKind != JsonValueKind.Object
            || !batch.TryGetProperty("index", out var indexValue) || !indexValue.TryGetInt64(out long index)
            || !batch.TryGetProperty("size", out var sizeValue) || !sizeValue.TryGetInt64(out long size)
            || !batch.TryGetProperty("path", out var pathValue) || pathValue.ValueKind != JsonValueKind.Array)
        {
            return new(false, "a batch signature without its batch (index, size, path)", document);
        }

        var path = new List<byte[]>(pathValue.GetArrayLength());
        foreach (var node in pathValue.EnumerateArray())
        {
            string text = node.ValueKind == JsonValueKind.String ? node.GetString()! : "";
            byte[] hash;
            try
            {
                hash = Convert.FromBase64String(text);
            }
            catch (FormatException)
            {
                return new(false, "the batch path holds something other than base64", document);
            }

            if (hash.Length != ReceiptBatch.HashLength || !string.Equals(Convert.ToBase64String(hash), text, StringComparison.Ordinal))
            {
                return new(false, "the batch path holds something other than 32-byte hashes in canonical base64", document);
            }

            path.Add(hash);
        }

        Span<byte> leaf = stackalloc byte[ReceiptBatch.HashLength];
        using (var sha256 = IncrementalHash.CreateHash(HashAlgorithmName.SHA256))
        {
            ReceiptBatch.Leaf(sha256, canonicalReceipt, leaf);
        }

        Span<byte> root = stackalloc byte[ReceiptBatch.HashLength];
        if (!ReceiptBatch.TryRootFromPath(leaf, index, size, path, root))
        {
            return new(false, $"the batch path does not fit index {index} of a batch of {size}", document);
        }

        Span<byte> statement = stackalloc byte[ReceiptBatch.StatementLength];
        ReceiptBatch.Statement(size, root, statement);
        return ReceiptSigner.Verify(publicKey, statement, sig)
            ? new(true, "", document)
            : new(false, "the signature does not match the receipt's batch", document);
    }

    private static bool IsJsonWithDuplicates(byte[] bytes)
    {
        try
        {
            using var lenient = JsonDocument.Parse(bytes);
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    /// <summary>Whether <paramref name="body"/> hashes to the receipt's <c>response.delivered_sha256</c>.</summary>
    public static bool DeliveredMatches(JsonElement receipt, ReadOnlySpan<byte> body) =>
        receipt.TryGetProperty("response", out var response)
        && Text(response, "delivered_sha256") is { } expected
        && string.Equals(expected, Convert.ToHexStringLower(SHA256.HashData(body)), StringComparison.Ordinal);

    private static string? Text(JsonElement obj, string name) =>
        obj.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
}
