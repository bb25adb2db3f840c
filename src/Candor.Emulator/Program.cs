using System.Globalization;
using Candor.Emulator;

// Standalone host: dotnet run --project src/Candor.Emulator -- --urls http://127.0.0.1:9100 [--api-key KEY] [--seed N]
// The key and seed can also come from CANDOR_EMULATOR_API_KEY and CANDOR_EMULATOR_SEED.
var options = new EmulatorOptions
{
    Url = Arg(args, "--urls") ?? Environment.GetEnvironmentVariable("ASPNETCORE_URLS") ?? "http://127.0.0.1:9100",
    RequiredApiKey = Arg(args, "--api-key") ?? Environment.GetEnvironmentVariable("CANDOR_EMULATOR_API_KEY"),
};
if (int.TryParse(Arg(args, "--seed") ?? Environment.GetEnvironmentVariable("CANDOR_EMULATOR_SEED"), NumberStyles.Integer,
    CultureInfo.InvariantCulture, out var seed))
{
    options.Seed = seed;
}

// Not disposed: ProcessExit runs after Main returns and must still find it usable (a disposed source throws).
var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    stop.Cancel();
};
AppDomain.CurrentDomain.ProcessExit += (_, _) => stop.Cancel();

// The embedded web host would take SIGTERM for itself and stop serving while this wait went on.
using var sigterm = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, context =>
{
    context.Cancel = true;
    stop.Cancel();
});

await using var host = await EmulatorHost.StartAsync(options, stop.Token).ConfigureAwait(false);
Console.WriteLine($"Candor emulator listening on {host.BaseAddress} (api key {(options.RequiredApiKey is null ? "not required" : "required")})");
try
{
    await Task.Delay(Timeout.Infinite, stop.Token).ConfigureAwait(false);
}
catch (OperationCanceledException)
{
}

static string? Arg(string[] args, string name)
{
    for (var i = 0; i < args.Length; i++)
    {
        if (args[i] == name && i + 1 < args.Length)
        {
            return args[i + 1];
        }

        if (args[i].StartsWith(name + "=", StringComparison.Ordinal))
        {
            return args[i][(name.Length + 1)..];
        }
    }

    return null;
}
