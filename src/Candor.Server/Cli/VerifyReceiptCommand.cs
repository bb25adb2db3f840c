using System.Text.Json;
using Candor.Core.Receipts;
using Candor.Transparency.Merkle;

namespace Candor.Server.Cli;

/// <summary><c>candor verify receipt FILE --key KEY [--body FILE] [--proof FILE.tlog-proof --log-key LOG_KEY [--origin O]
/// [--witnesses KEY,… [--quorum N]]]</c>: checks a receipt offline. KEY is the relay's signed-note verifier key
/// (<c>name+hash+base64</c>) or a saved <c>/.well-known/candor</c> document; --body checks that a saved response body
/// (as the client received it, SSE bytes for a stream) hashes to the receipt's <c>response.delivered_sha256</c>;
/// --proof checks that the receipt (its SHA-256, the log's entry) is included in the transparency log under a
/// checkpoint signed by LOG_KEY and, with --witnesses, cosigned by at least N of them. Exit code 0 when every check
/// passes, 1 when one fails, 2 on bad usage.</summary>
internal static class VerifyReceiptCommand
{
    public static async Task<int> RunAsync(string file, CliArgs args, TextWriter output, CancellationToken cancellationToken)
    {
        byte[] signed = await File.ReadAllBytesAsync(file, cancellationToken).ConfigureAwait(false);
        string keyArg = args.Require("--key");
        var keys = File.Exists(keyArg) ? await KeysFromWellKnownAsync(keyArg, cancellationToken).ConfigureAwait(false) : [keyArg];
        if (keys.Count == 0)
        {
            throw new ArgumentException($"{keyArg} lists no receipt_keys");
        }

        ReceiptVerifier.Result? result = null;
        foreach (string key in keys)
        {
            result?.Receipt?.Dispose();
            result = ReceiptVerifier.Verify(signed, key);
            if (result.Valid)
            {
                break;
            }
        }

        using var document = result!.Receipt;
        if (!result.Valid)
        {
            await output.WriteLineAsync($"signature: FAILED ({result.Reason})").ConfigureAwait(false);
            return 1;
        }

        var receipt = document!.RootElement.GetProperty("receipt");
        string id = receipt.TryGetProperty("id", out var idValue) ? idValue.GetString() ?? "?" : "?";

        // Receipts signed before the kind member existed are chat receipts.
        string kind = receipt.TryGetProperty("kind", out var kindValue) && kindValue.ValueKind == JsonValueKind.String ? kindValue.GetString()! : ReceiptKind.Chat;
        await output.WriteLineAsync($"signature: ok (receipt {id}, {kind})").ConfigureAwait(false);
        var signature = document.RootElement.GetProperty("signature");
        if (signature.GetProperty("alg").GetString() == ReceiptBatch.Algorithm)
        {
            // Signed with the receipts sealed at the same time: one signature over their Merkle root (docs/receipts.md).
            var batch = signature.GetProperty("batch");
            await output.WriteLineAsync($"batch: ok (receipt {batch.GetProperty("index")} of {batch.GetProperty("size")} under one signature)").ConfigureAwait(false);
        }

        if (receipt.TryGetProperty("quarantine_avoided", out var avoided) && avoided.ValueKind == JsonValueKind.Array)
        {
            // Routing left these channels out because an audit had quarantined them (docs/receipts.md).
            var channels = string.Join(", ", avoided.EnumerateArray().Select(static c => c.GetString()));
            await output.WriteLineAsync($"quarantine avoided: {channels}").ConfigureAwait(false);
        }
        if (args.Get("--body") is { } bodyFile)
        {
            byte[] body = await File.ReadAllBytesAsync(bodyFile, cancellationToken).ConfigureAwait(false);
            if (!ReceiptVerifier.DeliveredMatches(receipt, body))
            {
                await output.WriteLineAsync("body: FAILED (its SHA-256 is not the receipt's response.delivered_sha256)").ConfigureAwait(false);
                return 1;
            }

            await output.WriteLineAsync("body: ok (matches response.delivered_sha256)").ConfigureAwait(false);
        }

        return args.Get("--proof") is { } proofFile ? await LogAsync(signed, proofFile, args, output, cancellationToken).ConfigureAwait(false) : 0;
    }

    /// <summary>The receipt's place in the log: its entry is the SHA-256 of the signed bytes as stored and served.</summary>
    private static async Task<int> LogAsync(byte[] signed, string proofFile, CliArgs args, TextWriter output, CancellationToken cancellationToken)
    {
        var logKey = await VerifyCommands.KeyAsync(args, "--log-key", cancellationToken).ConfigureAwait(false);
        byte[] document = await File.ReadAllBytesAsync(proofFile, cancellationToken).ConfigureAwait(false);
        var inclusion = VerifyCommands.Included(args, document, TreeHash.Leaf(ReceiptLogAppender.LeafOf(signed)), logKey);
        string cosigned = args.Get("--witnesses") is null ? "" : $", cosigned by {inclusion.Cosigned} of the witnesses listed";
        if (inclusion.Error is { } error)
        {
            await output.WriteLineAsync($"log: FAILED ({error})").ConfigureAwait(false);
            return 1;
        }

        var checkpoint = inclusion.Checkpoint!;
        await output.WriteLineAsync($"log: ok (entry {inclusion.Index} of {checkpoint.Origin}, checkpoint of size {checkpoint.Size}{cosigned})").ConfigureAwait(false);
        return 0;
    }

    private static async Task<List<string>> KeysFromWellKnownAsync(string path, CancellationToken cancellationToken)
    {
        var stream = File.OpenRead(path);
        await using (stream.ConfigureAwait(false))
        {
            using var document = await JsonDocument.ParseAsync(stream, cancellationToken: cancellationToken).ConfigureAwait(false);
            var keys = new List<string>();
            if (document.RootElement.TryGetProperty("receipt_keys", out var list) && list.ValueKind == JsonValueKind.Array)
            {
                foreach (var key in list.EnumerateArray())
                {
                    if (key.TryGetProperty("verifier_key", out var vk) && vk.GetString() is { } s)
                    {
                        keys.Add(s);
                    }
                }
            }

            return keys;
        }
    }
}
