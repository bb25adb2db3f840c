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
/// build the receipt, sign it (Ed25519 over RFC 8785 bytes) and store it in the in-memory store. Each comes twice: through
/// the batch-signing loop (the relay today) and signed alone on the caller's thread (<c>…Alone</c>, as before batch
/// signing); the <c>Concurrent64</c> pairs seal 64 requests at once, as a loaded relay does, and report per receipt.</summary>
[MemoryDiagnoser]
public class ReceiptLifecycleBenchmarks
{
    private static readonly byte[] ClientBody = MakeBody(1834);
    private static readonly byte[] Forwarded = MakeBody(1839);
    private static readonly byte[] Answer = MakeBody(5120);
    private static readonly Transformation[] Mapping = [new(Transformation.ModelMapping, "model", "m-openai -> gpt-4o-mini")];
    private static readonly ResponseStarted Started = new("chatcmpl-0123456789", "gpt-4o-mini-2024-07-18", 1_764_000_000) { SystemFingerprint = "fp_0123456789" };
    private static readonly UsageReported Usage = new(new Usage { InputTokens = 412, OutputTokens = 388, CachedInputTokens = 0, ReasoningTokens = 0, TotalTokens = 800 });

    private const int Concurrent = 64;

    private readonly ArrayBufferWriter<byte> _client = new(8192);
    private readonly RelayContext[] _contexts = new RelayContext[Concurrent];
    private readonly ArrayBufferWriter<byte>[] _outputs = new ArrayBufferWriter<byte>[Concurrent];
    private readonly Task<bool>[] _sealing = new Task<bool>[Concurrent];
    private ReceiptService _service = null!;
    private ReceiptService _alone = null!;
    private RelayContext _context = null!;
    private ChannelSettings _channel = null!;

    /// <summary>The batch signer of the receipts sealed through the loop (its counts give the mean batch).</summary>
    internal ReceiptBatchSigner BatchSigner => _service.BatchSigner!;

    [GlobalSetup]
    public void Setup()
    {
        _service = new ReceiptService(new ReceiptSigner("relay.example/receipts", new byte[32]), new MemoryReceiptStore(), KeyHasher.CreateEphemeral(),
            TimeProvider.System, NullLogger<ReceiptService>.Instance);
        _alone = new ReceiptService(_service.Signer, new MemoryReceiptStore(), KeyHasher.CreateEphemeral(),
            TimeProvider.System, NullLogger<ReceiptService>.Instance, signingBatch: 1);
        _context = new RelayContext(new NullResponsePort(), "openai");
        for (int i = 0; i < Concurrent; i++)
        {
            _contexts[i] = new RelayContext(new NullResponsePort(), "openai");
            _outputs[i] = new ArrayBufferWriter<byte>(8192);
        }

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
        _alone.Dispose();
        _service.Signer.Dispose();
    }

    /// <summary>Begin → attempt → hashes → seal (sign + in-memory store), through the batch-signing loop.</summary>
    [Benchmark]
    public async Task<int> SealReceipt()
    {
        _client.ResetWrittenCount();
        using var draft = Draft(_service, _context, _client);
        await _service.SealAsync(_context, ReceiptOutcome.Complete, 200);
        return _client.WrittenCount;
    }

    /// <summary><see cref="SealReceipt"/> signed alone on the caller's thread (before batch signing).</summary>
    [Benchmark]
    public async Task<int> SealReceiptAlone()
    {
        _client.ResetWrittenCount();
        using var draft = Draft(_alone, _context, _client);
        await _alone.SealAsync(_context, ReceiptOutcome.Complete, 200);
        return _client.WrittenCount;
    }

    /// <summary>Per receipt: 64 requests' receipts drafted and sealed at once through the batch-signing loop.</summary>
    [Benchmark(OperationsPerInvoke = Concurrent)]
    public Task SealReceiptsConcurrent64() => SealConcurrentlyAsync(_service);

    /// <summary>Per receipt: <see cref="SealReceiptsConcurrent64"/> with every receipt signed alone (before batch signing).</summary>
    [Benchmark(OperationsPerInvoke = Concurrent)]
    public Task SealReceiptsConcurrent64Alone() => SealConcurrentlyAsync(_alone);

    private async Task SealConcurrentlyAsync(ReceiptService service)
    {
        for (int i = 0; i < Concurrent; i++)
        {
            var (context, output) = (_contexts[i], _outputs[i]);
            output.ResetWrittenCount();
            _sealing[i] = Task.Run(async () =>
            {
                using var draft = Draft(service, context, output);
                return await service.SealAsync(context, ReceiptOutcome.Complete, 200);
            });
        }

        await Task.WhenAll(_sealing);
    }

    /// <summary>Opens a request's draft and fills it as a non-streamed fast-path answer does.</summary>
    private ReceiptDraft Draft(ReceiptService service, RelayContext context, ArrayBufferWriter<byte> output)
    {
        var draft = service.Begin(context, ClientBody);
        draft.RequestedModel = "m-openai";
        context.Attempts = 1;
        draft.Attempts = 1;
        draft.Path = "fast";
        draft.BeginAttempt(_channel, "gpt-4o-mini", Forwarded, Mapping);
        draft.HashUpstream(Answer);
        draft.Observe(Started);
        draft.Observe(Usage);
        draft.Output(output).Write(Answer);
        return draft;
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
