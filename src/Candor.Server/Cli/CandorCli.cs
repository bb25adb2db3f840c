using Candor.Core.Configuration;
using Candor.Server.Hosting;

namespace Candor.Server.Cli;

/// <summary>The `candor` command line: serve (with --demo), version, help.</summary>
internal static class CandorCli
{
    private const string Usage = """
        Candor — a verifiable AI relay.

        Usage:
          candor serve [--config PATH] [--urls URLS] [--demo] [--log-level LEVEL] [--no-watch]
          candor version
          candor help

        serve     Start the relay. --config defaults to candor.yaml; --urls to http://127.0.0.1:8080.
                  --demo starts in-process emulated upstreams and the models demo-gpt, demo-claude,
                  demo-gemini, demo-reasoner and demo-embedding; the key is CANDOR_DEMO_KEY
                  (generated and printed when unset).
        """;

    public static async Task<int> RunAsync(string[] args)
    {
        if (args.Length == 0 || args[0] is "help" or "--help" or "-h")
        {
            Console.WriteLine(Usage);
            return args.Length == 0 ? 2 : 0;
        }

        switch (args[0])
        {
            case "version" or "--version":
                Console.WriteLine(typeof(CandorCli).Assembly.GetName().Version);
                return 0;
            case "serve":
                return await ServeAsync(args[1..]).ConfigureAwait(false);
            default:
                await Console.Error.WriteLineAsync($"candor: unknown command '{args[0]}'. Try 'candor help'.").ConfigureAwait(false);
                return 2;
        }
    }

    private static async Task<int> ServeAsync(string[] args)
    {
        var options = new ServeOptions();
        for (int i = 0; i < args.Length; i++)
        {
            string arg = args[i];
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{arg} needs a value");
            try
            {
                switch (arg)
                {
                    case "--config": options.ConfigPath = Next(); break;
                    case "--urls": options.Urls = Next(); break;
                    case "--demo": options.Demo = true; break;
                    case "--no-watch": options.Watch = false; break;
                    case "--log-level": options.LogLevel = Enum.Parse<LogLevel>(Next(), ignoreCase: true); break;
                    default: throw new ArgumentException($"unknown option '{arg}'");
                }
            }
            catch (ArgumentException e)
            {
                await Console.Error.WriteLineAsync($"candor serve: {e.Message}").ConfigureAwait(false);
                return 2;
            }
        }

        WebApplication app;
        try
        {
            app = await CandorServer.BuildAsync(options, Console.Out).ConfigureAwait(false);
        }
        catch (ConfigException e)
        {
            await Console.Error.WriteLineAsync($"candor: invalid configuration: {e.Message}").ConfigureAwait(false);
            return 1;
        }

        await using (app.ConfigureAwait(false))
        {
            await app.StartAsync().ConfigureAwait(false);
            Console.WriteLine($"Candor listening on {string.Join(", ", app.Urls)}");
            await app.WaitForShutdownAsync().ConfigureAwait(false);
        }

        return 0;
    }
}
