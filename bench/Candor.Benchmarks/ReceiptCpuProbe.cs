using System.Diagnostics;
using System.Globalization;

namespace Candor.Benchmarks;

/// <summary><c>dotnet run -c Release --project bench/Candor.Benchmarks -- receipt-cpu [rounds]</c>: the process CPU time
/// (user + system, every thread: the signing loop included) per receipt of <see cref="ReceiptLifecycleBenchmarks"/>'
/// pairs, sealed one at a time and 64 at once, with batch signing and with every receipt signed alone. BenchmarkDotNet
/// reports wall time, which on a loaded machine measures the neighbours as much as the code; CPU time does not.</summary>
internal static class ReceiptCpuProbe
{
    public static async Task RunAsync(int rounds)
    {
        var bench = new ReceiptLifecycleBenchmarks();
        bench.Setup();
        try
        {
            var cases = new (string Name, int PerCall, Func<Task> Run)[]
            {
                ("SealReceipt (batch loop, one at a time)", 1, () => bench.SealReceipt()),
                ("SealReceiptAlone (signed alone, one at a time)", 1, () => bench.SealReceiptAlone()),
                ("SealReceiptsConcurrent64 (batch loop, 64 at once)", 64, bench.SealReceiptsConcurrent64),
                ("SealReceiptsConcurrent64Alone (signed alone, 64 at once)", 64, bench.SealReceiptsConcurrent64Alone),
            };

            // Warm up (tiering) before measuring, then alternate the cases so that load changes hit them alike.
            foreach (var c in cases)
            {
                for (int i = 0; i < 2_000 / c.PerCall; i++)
                {
                    await c.Run();
                }
            }

            long batches = bench.BatchSigner.Batches, signed = bench.BatchSigner.Signed;
            var cpu = new TimeSpan[cases.Length];
            var wall = new TimeSpan[cases.Length];
            int calls = Math.Max(1, rounds);
            for (int round = 0; round < 10; round++)
            {
                for (int k = 0; k < cases.Length; k++)
                {
                    var process = Process.GetCurrentProcess();
                    var cpuBefore = process.TotalProcessorTime;
                    long started = Stopwatch.GetTimestamp();
                    for (int i = 0; i < calls / cases[k].PerCall; i++)
                    {
                        await cases[k].Run();
                    }

                    wall[k] += Stopwatch.GetElapsedTime(started);
                    process.Refresh();
                    cpu[k] += process.TotalProcessorTime - cpuBefore;
                }
            }

            double receipts = 10.0 * (calls / 64 * 64);
            for (int k = 0; k < cases.Length; k++)
            {
                double n = cases[k].PerCall == 1 ? 10.0 * calls : receipts;
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{cases[k].Name}: {cpu[k].TotalMicroseconds / n:F1} µs CPU/receipt, {wall[k].TotalMicroseconds / n:F1} µs wall/receipt ({n} receipts)"));
            }

            batches = bench.BatchSigner.Batches - batches;
            signed = bench.BatchSigner.Signed - signed;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"through the loop: {signed} receipts under {batches} signatures ({(batches == 0 ? 0 : (double)signed / batches):F1} per signature); the rest signed on the caller's thread"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"load average: {File.ReadAllText("/proc/loadavg").Trim()}"));
        }
        finally
        {
            bench.Cleanup();
        }
    }
}
