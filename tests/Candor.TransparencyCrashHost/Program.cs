using System.Text;
using Candor.Transparency.Log;

// Appends to a transparency log as fast as it can and prints "ack <index> <entry>" once each append is durable.
// The crash test (tests/Candor.FunctionalTests/Transparency/LogCrashTests.cs) kills it with SIGKILL mid-stream.
// Usage: Candor.TransparencyCrashHost <log directory> <origin>
var log = await TileLog.OpenAsync(new TransparencyLogOptions
{
    Directory = args[0],
    Origin = args[1],
    MaxMergeDelay = TimeSpan.FromMilliseconds(200),
});
var output = new StreamWriter(Console.OpenStandardOutput(), new UTF8Encoding(false)) { AutoFlush = true };
var gate = new Lock();
output.WriteLine($"ready {log.Size}");
var workers = Enumerable.Range(0, 8).Select(worker => Task.Run(async () =>
{
    for (int i = 0; ; i++)
    {
        string entry = $"crash-{worker}-{i}";
        long index = await log.AppendAsync(Encoding.ASCII.GetBytes(entry), CancellationToken.None);
        lock (gate)
        {
            output.WriteLine($"ack {index} {entry}");
        }
    }
}));
await Task.WhenAll(workers);
