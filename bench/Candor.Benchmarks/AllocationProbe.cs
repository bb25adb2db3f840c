using System.Diagnostics;
using System.Diagnostics.Tracing;
using System.Globalization;
using Candor.Core.Accounting;
using Candor.Core.Accounts;
using Candor.Core.Admission;
using Candor.Core.Privacy;
using Candor.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace Candor.Benchmarks;

/// <summary><c>dotnet run -c Release --project bench/Candor.Benchmarks -- alloc-types [requests]</c>: sends
/// <see cref="FullPipelineBenchmarks"/>' request with every feature on, then the same request straight to the
/// emulator, and prints for each the bytes allocated and the process CPU time per request (every thread) and which
/// types the allocations were, from the runtime's allocation samples (one <c>GCAllocationTick</c> event about every
/// 100 KB, so a type's share is an estimate). BenchmarkDotNet's figure is the total; this says where it goes.</summary>
internal static class AllocationProbe
{
    public static async Task RunAsync(int requests)
    {
        var bench = new FullPipelineBenchmarks();
        bench.Setup();
        try
        {
            // What the process allocates with no request in flight once the setup stopped the pollers (timers, writer
            // loops): part of every figure below, in proportion to the time a request takes. The pollers' own cost
            // follows, per poll.
            using (var listener = new AllocationListener())
            {
                // The warm-up's last background work (log appends, integration) ends first.
                await Task.Delay(TimeSpan.FromSeconds(3));
                long idleBefore = GC.GetTotalAllocatedBytes(precise: true);
                var idle = Stopwatch.StartNew();
                await Task.Delay(TimeSpan.FromSeconds(10));
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"idle: {(GC.GetTotalAllocatedBytes(precise: true) - idleBefore) / idle.Elapsed.TotalSeconds:N0} B/s"));
                Print(listener);
            }

            await PollsAsync(bench.Services);

            foreach (var (name, run) in new (string, Func<Task<int>>)[] { ("EveryFeatureOnRequest", bench.EveryFeatureOnRequest), ("DirectRequest", bench.DirectRequest) })
            {
                for (int i = 0; i < 500; i++)
                {
                    await run();
                }

                using var listener = new AllocationListener();
                var process = Process.GetCurrentProcess();
                var cpuBefore = process.TotalProcessorTime;
                long bytesBefore = GC.GetTotalAllocatedBytes(precise: true);
                for (int i = 0; i < requests; i++)
                {
                    await run();
                }

                long bytes = GC.GetTotalAllocatedBytes(precise: true) - bytesBefore;
                process.Refresh();
                var cpu = process.TotalProcessorTime - cpuBefore;
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{name}: {bytes / requests:N0} B/request, {cpu.TotalMicroseconds / requests:F0} µs CPU/request ({requests} requests)"));
                Print(listener);
            }

            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"load average: {File.ReadAllText("/proc/loadavg").Trim()}"));
        }
        finally
        {
            bench.Cleanup();
        }
    }

    /// <summary>The bytes of each poll the idle server runs on its timers (the refreshers of keys, prices, balances,
    /// channels and privacy policies), each run 200 times in a row.</summary>
    private static async Task PollsAsync(IServiceProvider services)
    {
        var ct = CancellationToken.None;
        var store = services.GetRequiredService<SqliteStore>();
        var keys = services.GetRequiredService<ApiKeyCache>();
        var prices = services.GetRequiredService<PriceBook>();
        var book = services.GetRequiredService<BillingBook>();
        var privacy = services.GetRequiredService<PrivacyDirectory>();
        foreach (var (name, poll) in new (string, Func<Task>)[]
        {
            ("channels version (each 1 s)", () => store.GetChannelsVersionAsync(ct)),
            ("key version", () => store.GetVersionAsync(ct)),
            ("key cache refresh (each 1 s)", () => keys.RefreshAsync(ct)),
            ("prices refresh (each 1 s)", () => prices.RefreshAsync(ct)),
            ("balances refresh (each 1 s)", () => book.RefreshAsync(ct)),
            ("privacy policies load (each 5 s)", () => privacy.LoadAsync(ct)),
        })
        {
            await poll();
            long before = GC.GetTotalAllocatedBytes(precise: true);
            for (int i = 0; i < 200; i++)
            {
                await poll();
            }

            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"poll {name}: {(GC.GetTotalAllocatedBytes(precise: true) - before) / 200:N0} B"));
        }

        long stored = await store.GetVersionAsync(ct);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"key cache version {keys.Version}, store's {stored}"));
    }

    private static void Print(AllocationListener listener)
    {
        foreach (var (type, sampled) in listener.Top(30))
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {100.0 * sampled / listener.Total,5:F1} %  {type}"));
        }
    }

    /// <summary>Sums the runtime's allocation samples by type.</summary>
    private sealed class AllocationListener : EventListener
    {
        private const EventKeywords GcKeyword = (EventKeywords)0x1;
        private const int AllocationTickEvent = 10;
        private readonly Dictionary<string, long> _bytes = new(StringComparer.Ordinal);
        private readonly Lock _gate = new();

        public long Total { get; private set; }

        public IEnumerable<(string Type, long Bytes)> Top(int count)
        {
            lock (_gate)
            {
                return [.. _bytes.OrderByDescending(static p => p.Value).Take(count).Select(static p => (p.Key, p.Value))];
            }
        }

        protected override void OnEventSourceCreated(EventSource eventSource)
        {
            if (eventSource.Name == "Microsoft-Windows-DotNETRuntime")
            {
                EnableEvents(eventSource, EventLevel.Verbose, GcKeyword);
            }
        }

        protected override void OnEventWritten(EventWrittenEventArgs eventData)
        {
            if (eventData.EventId != AllocationTickEvent || eventData.Payload is not { } payload || eventData.PayloadNames is not { } names)
            {
                return;
            }

            int type = names.IndexOf("TypeName"), amount = names.IndexOf("AllocationAmount64");
            if (type < 0 || amount < 0 || payload[type] is not string name || payload[amount] is not ulong bytes)
            {
                return;
            }

            lock (_gate)
            {
                _bytes[name] = _bytes.GetValueOrDefault(name) + (long)bytes;
                Total += (long)bytes;
            }
        }
    }
}
