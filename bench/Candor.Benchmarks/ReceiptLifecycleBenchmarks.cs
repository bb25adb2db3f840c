using System.Buffers;
using BenchmarkDotNet.Attributes;
using Candor.Core.Admission;
using Candor.Core.Configuration;
using Candor.Core.Privacy;
using Candor.Core.Receipts;
using Candor.Core.Relay;
using Candor.Protocols.Canonical;
using Microsoft.Extensions.Logging.Abstractions;

namespace Candor.Benchmarks;

/// <summary>One request's whole receipt as the relay drives it on a non-streamed fast-path answer: open the draft
/// (hash of a 1.8 KB client body, pseudonymous key id, header), note the forwarded body and its model mapping,
/// hash a 5 KB upstream answer and the same bytes delivered to the client, observe ids and usage, then seal:
/// build the receipt, sign it (Ed25519 over RFC 8785 bytes) and store it in the in-memory store.</summary>
[MemoryDiagnoser]
public class ReceiptLifecycleBenchmarks
{
    private static readonly byte[] ClientBody = MakeBody(1834);
    private static readonly byte[] Forwarded = MakeBody(1839);
    private static readonly byte[] Answer = MakeBody(5120);
    private static readonly Transformation[] Mapping = [new(Transformation.ModelMapping, "model", "m-openai -> gpt-4o-mini")];
    private static readonly ResponseStarted Started = new("chatcmpl-0123456789", "gpt-4o-mini-2024-07-18", 1_764_000_000) { SystemFingerprint = "fp_0123456789" };
    private static readonly UsageReported Usage = new(new Usage { InputTokens = 412, OutputTokens = 388, CachedInputTokens = 0, ReasoningTokens = 0, TotalTokens = 800 });

    private readonly ArrayBufferWriter<byte> _client = new(8192);
    private ReceiptService _service = null!;
    private RelayContext _context = null!;
    private ChannelSettings _channel = null!;

    [GlobalSetup]
    public void Setup()
    {
        _service = new ReceiptService(new ReceiptSigner("relay.example/receipts", new byte[32]), new MemoryReceiptStore(), KeyHasher.CreateEphemeral(),
            TimeProvider.System, NullLogger<ReceiptService>.Instance);
        _context = new RelayContext(new NullResponsePort(), "openai");
        _channel = new ChannelSettings
        {
            Id = "oa",
            Provider = "openai",
            BaseUrl = new Uri("http://127.0.0.1:1/v1"),
            Region = "us",
            DataPolicy = new ChannelDataPolicy("us", UpstreamRetention.Limited, TrainingUse.Never),
        };
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _service.Dispose();
        _service.Signer.Dispose();
    }

    /// <summary>Begin → attempt → hashes → seal (sign + in-memory store).</summary>
    [Benchmark]
    public async Task<int> SealReceipt()
    {
        _client.ResetWrittenCount();
        using var draft = _service.Begin(_context, ClientBody);
        draft.RequestedModel = "m-openai";
        _context.Attempts = 1;
        draft.Attempts = 1;
        draft.Path = "fast";
        draft.BeginAttempt(_channel, "gpt-4o-mini", Forwarded, Mapping);
        draft.HashUpstream(Answer);
        draft.Observe(Started);
        draft.Observe(Usage);
        draft.Output(_client).Write(Answer);
        await _service.SealAsync(_context, ReceiptOutcome.Complete, 200);
        return _client.WrittenCount;
    }

    private static byte[] MakeBody(int length)
    {
        var body = new byte[length];
        for (int i = 0; i < body.Length; i++)
        {
            body[i] = (byte)('a' + (i % 26));
        }

        return body;
    }
}
