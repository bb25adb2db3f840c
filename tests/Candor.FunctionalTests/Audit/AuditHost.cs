using System.Collections.Concurrent;
using Candor.Core.Audit;
using Candor.Core.Transparency;
using Candor.Emulator;
using Candor.FunctionalTests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Candor.FunctionalTests.Audit;

/// <summary>Candor with a data directory (for the admin API), audits on, a fake clock and a recording transparency
/// log, over its own emulator. The configuration comes from the test class, with <c>{{emu}}</c> for the emulator.</summary>
public class AuditHost(string yaml, EmulatorOptions? emulator = null) : IAsyncLifetime
{
    public const string ClientKey = "sk-audit-client-0123456789abc";
    public static readonly TimeSpan Interval = TimeSpan.FromMinutes(10);

    private CandorTestHost? _host;

    public EmulatorHost Emulator => _host!.Emulator;

    public Uri BaseAddress => _host!.BaseAddress;

    public string OperatorKey => _host!.OperatorKey;

    /// <summary>The clock starts at a fixed time and the probe seed is fixed (<see cref="ProbeSeed"/>): each round's probes
    /// are drawn from both, so every run of a test sends the same probes and decides the same (the false-positive rate
    /// itself is measured over many seeds by <c>SequentialEvidenceTests</c>).</summary>
    public FakeTimeProvider Clock { get; } = new(new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero));

    /// <summary>The data directory's probe seed (<c>audit-probe.key</c>), written before Candor starts.</summary>
    public static byte[] ProbeSeed { get; } = Enumerable.Range(1, Candor.Core.Audit.ProbeSecret.Length).Select(static i => (byte)(i * 37)).ToArray();

    public RecordingLog Log { get; } = new();

    internal ChannelAuditor Auditor => _host!.Service<ChannelAuditor>();

    internal ChannelQuarantine Quarantine => _host!.Service<ChannelQuarantine>();

    /// <summary>The max-tokens limits counted from client traffic, which probes follow.</summary>
    internal TrafficLimits Limits => _host!.Service<TrafficLimits>();

    public async Task InitializeAsync() => _host = await (emulator is null ? CandorTestHost.Create() : CandorTestHost.Create().Emulator(emulator))
        .Prefix("candor-audit-")
        .Env("CLIENT_KEY", ClientKey)
        .Bootstrap()
        .BeforeStart(static data => Candor.Storage.OwnerOnlyFile.Write(
            Path.Combine(Candor.Storage.DataDirectory.Ensure(data), Candor.Storage.ProbeSecretFile.FileName), ProbeSeed, overwrite: true))
        .WithClock(Clock)
        .Services(services => services.AddSingleton<ITransparencyLog>(Log))
        .Yaml(yaml)
        .StartAsync();

    /// <summary>Stops Candor and starts a new process-equivalent on the same configuration and data directory
    /// (memory is lost, the database stays).</summary>
    public Task RestartAsync() => _host!.RestartAsync();

    /// <summary>Moves the clock one interval on and runs the due rounds (the scheduler may have started them first;
    /// calls are serialized, so the rounds are done when this returns).</summary>
    public async Task NextIntervalAsync()
    {
        Clock.Advance(Interval);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        await Auditor.RunDueAsync(cts.Token).WaitAsync(cts.Token);
    }

    public HttpClient Client(string key) => _host!.CreateClient(key);

    public async Task DisposeAsync()
    {
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }
    }

    /// <summary>A transparency log that keeps what it is given.</summary>
    public sealed class RecordingLog : ITransparencyLog
    {
        public ConcurrentQueue<byte[]> Entries { get; } = new();

        public TimeSpan MaxMergeDelay => TimeSpan.FromSeconds(1);

        public string Origin => "test.invalid/log";

        public ValueTask<long> AppendAsync(ReadOnlyMemory<byte> entry, CancellationToken cancellationToken)
        {
            Entries.Enqueue(entry.ToArray());
            return ValueTask.FromResult((long)Entries.Count - 1);
        }
    }
}
