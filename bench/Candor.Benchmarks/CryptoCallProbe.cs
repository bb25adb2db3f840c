using System.Globalization;

namespace Candor.Benchmarks;

/// <summary><c>dotnet bench/Candor.Benchmarks/bin/Release/net10.0/Candor.Benchmarks.dll crypto-calls every|bare|direct N</c>:
/// sets up <see cref="FullPipelineBenchmarks"/>, warms the chosen request up (200 times), then sends it
/// <c>N</c> more times and exits. Run under <c>perf stat</c> with uprobes on libcrypto (bench/crypto-calls.sh):
/// the difference between a run of N requests and a run of none, divided by N, is the native crypto calls per
/// request. The client and the emulator share the process; <c>direct</c> (straight to the emulator) is their share.</summary>
internal static class CryptoCallProbe
{
    public static async Task RunAsync(string which, int requests)
    {
        var bench = new FullPipelineBenchmarks();
        bench.Setup();
        try
        {
            Func<Task<int>> run = which switch
            {
                "every" => bench.EveryFeatureOnRequest,
                "bare" => bench.BareFastPathRequest,
                "direct" => bench.DirectRequest,
                _ => throw new ArgumentException("every, bare or direct", nameof(which)),
            };

            for (int i = 0; i < 200; i++)
            {
                await run();
            }

            for (int i = 0; i < requests; i++)
            {
                await run();
            }

            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{which}: {requests} requests after 200 to warm up"));
        }
        finally
        {
            bench.Cleanup();
        }
    }
}
