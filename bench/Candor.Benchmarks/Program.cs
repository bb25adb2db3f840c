using BenchmarkDotNet.Running;

namespace Candor.Benchmarks;

/// <summary>Runs the microbenchmarks: `dotnet run -c Release --project bench/Candor.Benchmarks -- --filter '*'`
/// (BenchmarkDotNet arguments); bench/micro-check.sh runs them short and compares allocations with the budget.
/// `-- receipt-cpu [N]` measures CPU time per receipt instead (<see cref="ReceiptCpuProbe"/>); `-- alloc-types [N]` the
/// bytes, CPU time and allocated types per request with every feature on (<see cref="AllocationProbe"/>); `-- crypto-calls
/// every|bare|direct [N]` sends N requests for counting native crypto calls under perf (<see cref="CryptoCallProbe"/>).</summary>
public static class Program
{
    public static async Task Main(string[] args)
    {
        if (args is ["receipt-cpu", ..])
        {
            await ReceiptCpuProbe.RunAsync(args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 6_400);
            return;
        }

        if (args is ["alloc-types", ..])
        {
            await AllocationProbe.RunAsync(args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 5_000);
            return;
        }

        if (args is ["crypto-calls", var which, ..])
        {
            await CryptoCallProbe.RunAsync(which, args.Length > 2 ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 2_000);
            return;
        }

        if (args is ["write-volume", ..])
        {
            var culture = System.Globalization.CultureInfo.InvariantCulture;
            await WriteVolumeProbe.RunAsync(
                args.Length > 1 ? int.Parse(args[1], culture) : 20_000,
                args.Length > 2 ? int.Parse(args[2], culture) : 64,
                args.Length > 3 ? int.Parse(args[3], culture) : 0);
            return;
        }

        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
    }
}
