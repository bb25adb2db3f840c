using Yarp.ReverseProxy.Configuration;

// YARP as the harness's .NET reverse-proxy floor: one route that forwards every path to one destination,
// no logging, the slim builder. Usage: Candor.Bench.Yarp --urls http://127.0.0.1:PORT --upstream http://127.0.0.1:EMU
string upstream = ArgValue(args, "--upstream") ?? throw new ArgumentException("--upstream URL is required");
string urls = ArgValue(args, "--urls") ?? "http://127.0.0.1:19500";

var builder = WebApplication.CreateSlimBuilder();
builder.Logging.ClearProviders();
builder.WebHost.UseUrls(urls);
builder.Services.AddReverseProxy().LoadFromMemory(
    [new RouteConfig { RouteId = "all", ClusterId = "upstream", Match = new RouteMatch { Path = "{**rest}" } }],
    [new ClusterConfig
    {
        ClusterId = "upstream",
        Destinations = new Dictionary<string, DestinationConfig>(StringComparer.Ordinal) { ["emulator"] = new() { Address = upstream } },
    }]);

var app = builder.Build();
app.MapReverseProxy();
app.Run();

static string? ArgValue(string[] args, string name)
{
    int i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
}
