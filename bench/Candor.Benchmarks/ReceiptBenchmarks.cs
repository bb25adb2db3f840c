using BenchmarkDotNet.Attributes;
using Candor.Core.Receipts;
using Candor.Protocols.Buffers;

namespace Candor.Benchmarks;

/// <summary>The per-request cost of a receipt apart from storing it: RFC 8785 canonicalization of a typical
/// receipt, the Ed25519 signature and the signed envelope, and the same receipt signed in a batch of 64 under one
/// signature (bench/micro-budget.json holds the allowed allocation).</summary>
[MemoryDiagnoser]
public class ReceiptBenchmarks
{
    private static readonly byte[] Receipt = """
        {"v":1,"id":"rcpt_0123456789abcdef01234567","request_id":"req_0123456789abcdef01234567","time":"2026-11-26T15:00:00.000Z",
         "key":"0123456789abcdef0123456789abcdef","surface":"openai","outcome":"complete","status":200,"path":"fast","attempts":1,
         "request":{"sha256":"6b86b273ff34fce19d6b804eff5a3f5747ada4eaa22f1d49c01e52ddb7875b4b","bytes":1834},
         "forwarded":{"sha256":"d4735e3a265e16eee03f59718b9b5d03019c07d8b6c51f90da3a666eec13ab35","bytes":1839},
         "transformations":[{"kind":"model_mapping","target":"model","detail":"m-openai -> gpt-4o-mini"}],
         "channel":{"id":"oa","provider":"openai","region":"us","data_policy":{"region":"us","retention":"limited","training":"never"}},
         "model":{"requested":"m-openai","upstream":"gpt-4o-mini","reported":"gpt-4o-mini-2024-07-18"},
         "upstream":{"response_id":"chatcmpl-0123456789","system_fingerprint":"fp_0123456789"},
         "response":{"upstream_sha256":"4e07408562bedb8b60ce05c1decfe3ad16b72230967de01f640b7e4729b49fce","upstream_bytes":5120,
                     "delivered_sha256":"4e07408562bedb8b60ce05c1decfe3ad16b72230967de01f640b7e4729b49fce","delivered_bytes":5120},
         "usage":{"reported":{"input_tokens":412,"output_tokens":388,"cached_input_tokens":0,"cache_write_input_tokens":null,"reasoning_tokens":0,"total_tokens":800},
                  "counted":{"input_tokens":410,"output_tokens":388},"billed":{"input_tokens":412,"output_tokens":388,"cached_input_tokens":0,"cache_write_input_tokens":null,"reasoning_tokens":0,"total_tokens":800}},
         "charge":{"micros":295,"price":{"input_per_million_micros":150000,"output_per_million_micros":600000,"cached_input_per_million_micros":75000,"per_request_micros":0}},
         "flags":[],"log":{"origin":"relay.example/log","max_merge_delay_s":10}}
        """u8.ToArray();

    private const int Batch = 64;

    private readonly Task<StoredReceipt>[] _signing = new Task<StoredReceipt>[Batch];
    private ReceiptSigner _signer = null!;
    private ReceiptBatchSigner _batch = null!;
    private ReceiptDraft _draft = null!;
    private byte[] _canonical = null!;

    [GlobalSetup]
    public void Setup()
    {
        _signer = new ReceiptSigner("relay.example/receipts", new byte[32]);
        _batch = new ReceiptBatchSigner(_signer);
        _draft = new ReceiptDraft("rcpt_0123456789abcdef01234567", "req_0123456789abcdef01234567", "openai", "config:a", null, "0123456789abcdef0123456789abcdef", "{}"u8);
        _canonical = Jcs.Canonicalize(Receipt);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _batch.Dispose();
        _draft.Dispose();
        _signer.Dispose();
    }

    /// <summary>Canonicalize, sign, wrap: what <c>ReceiptService.SealAsync</c> does before the store write.</summary>
    [Benchmark]
    public int SignReceipt() => ReceiptService.SignCanonical(_signer, Receipt).Length;

    /// <summary>The Ed25519 signature alone over a receipt-sized message: the floor of any receipt.</summary>
    [Benchmark]
    public byte Ed25519Sign()
    {
        Span<byte> signature = stackalloc byte[ReceiptSigner.SignatureLength];
        _signer.Sign(Receipt, signature);
        return signature[0];
    }

    /// <summary>Per receipt: 64 canonical receipts signed as one batch (leaf hashes, the tree, one signature, 64 envelopes
    /// with their paths), handed over and completed through the signing loop as the relay does.</summary>
    [Benchmark(OperationsPerInvoke = Batch)]
    public async Task<int> SignBatch64()
    {
        using (await _batch.HoldAsync(CancellationToken.None))
        {
            for (int i = 0; i < Batch; i++)
            {
                var receipt = new PooledBufferWriter(2048);
                receipt.Write(_canonical);
                _signing[i] = _batch.SignAsync(receipt, _draft, DateTimeOffset.UnixEpoch);
            }
        }

        int length = 0;
        foreach (var signing in _signing)
        {
            length += (await signing).Body.Length;
        }

        return length;
    }
}
