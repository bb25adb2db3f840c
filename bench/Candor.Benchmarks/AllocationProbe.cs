using System.Diagnostics;
using System.Diagnostics.Tracing;
using System.Globalization;

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
            // What the process allocates with no request in flight (timers, writer loops): part of every figure below,
            // in proportion to the time a request takes.
            using (var listener = new AllocationListener())
            {
                long idleBefore = GC.GetTotalAllocatedBytes(precise: true);
                var idle = Stopwatch.StartNew();
                await Task.Delay(TimeSpan.FromSeconds(5));
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"idle: {(GC.GetTotalAllocatedBytes(precise: true) - idleBefore) / idle.Elapsed.TotalSeconds:N0} B/s"));
                Print(listener);
            }

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
