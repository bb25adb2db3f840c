using BenchmarkDotNet.Running;

namespace Candor.Benchmarks;

/// <summary>Runs the microbenchmarks: `dotnet run -c Release --project bench/Candor.Benchmarks -- --filter '*'`
/// (BenchmarkDotNet arguments); bench/micro-check.sh runs them short and compares allocations with the budget.</summary>
public static class Program
{
    public static void Main(string[] args) => BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
}
