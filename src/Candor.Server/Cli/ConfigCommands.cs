using Candor.Core.Configuration;
using Candor.Core.Upstream;
using Candor.Providers;
using Candor.Server.Hosting;

namespace Candor.Server.Cli;

/// <summary><c>candor config check [FILE]</c>: validates a configuration file as <c>candor serve</c> would load it and
/// prints every error with its line and column (docs/configuration.md).</summary>
internal static class ConfigCommands
{
    /// <summary>What <c>candor serve</c> prints when there is no configuration file to start from.</summary>
    public static string HowToStart(string path) => $"""
        candor serve: no configuration file at {path}.
        To start:
          candor serve --demo                  try Candor on built-in emulated upstreams (keeps nothing)
          candor init --data ./data            create a data directory (store, keys, operator key)
          cp docs/candor.sample.yaml candor.yaml   a commented sample to edit (docs/configuration.md lists every key)
          candor config check candor.yaml      validate it, then: candor serve --config candor.yaml
        """;

    /// <summary>GETs <paramref name="url"/> (a container's health check): 0 on a 2xx answer within 5 s, 1 otherwise.</summary>
    public static async Task<int> ProbeAsync(string url, TextWriter error, CancellationToken cancellationToken)
    {
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        try
        {
            using var response = await client.GetAsync(new Uri(url), cancellationToken).ConfigureAwait(false);
            if (response.IsSuccessStatusCode)
            {
                return 0;
            }

            await error.WriteLineAsync($"candor probe: {url} answered {(int)response.StatusCode}").ConfigureAwait(false);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or UriFormatException)
        {
            await error.WriteLineAsync($"candor probe: {url}: {e.Message}").ConfigureAwait(false);
        }

        return 1;
    }

    /// <summary>Checks <paramref name="path"/>: exit 0 and a summary when valid, 1 and every error when not.</summary>
    public static async Task<int> CheckAsync(string path, TextWriter output, TextWriter error, Func<string, string?> environment)
    {
        if (!File.Exists(path))
        {
            await error.WriteLineAsync($"candor: no configuration file at {path}").ConfigureAwait(false);
            return 1;
        }

        CandorConfig config;
        try
        {
            config = new ConfigLoaderFactory(new ProviderRegistry(ProviderCatalog.All()), environment).Create().LoadFile(path);
        }
        catch (ConfigException e)
        {
            await CandorCli.ReportAsync(e, error).ConfigureAwait(false);
            return 1;
        }

        await output.WriteLineAsync(
            $"{path}: valid ({config.Channels.Count} channels, {config.Models.Count} models, {config.Keys.Count} keys)").ConfigureAwait(false);
        return 0;
    }
}
