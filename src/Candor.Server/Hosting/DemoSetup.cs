using System.Security.Cryptography;
using Candor.Core.Configuration;
using Candor.Emulator;

namespace Candor.Server.Hosting;

/// <summary>Demo mode: starts the upstream emulator in this process and declares one channel per wire
/// protocol and public models on them, so that every surface works without an account anywhere.</summary>
internal static class DemoSetup
{
    public const string KeyVariable = "CANDOR_DEMO_KEY";

    public static async Task<(CandorConfig Config, EmulatorHost Emulator, string Key, bool Generated)> StartAsync(Func<string, string?> environment, CancellationToken cancellationToken)
    {
        var emulator = await EmulatorHost.StartAsync(new EmulatorOptions(), cancellationToken).ConfigureAwait(false);
        string root = emulator.BaseAddress.ToString().TrimEnd('/');
        string? key = environment(KeyVariable);
        bool generated = string.IsNullOrEmpty(key);
        if (generated)
        {
            key = "sk-candor-demo-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        }

        var config = new CandorConfig
        {
            Channels =
            [
                Channel("demo-openai", "openai", root + "/v1", "us"),
                Channel("demo-anthropic", "anthropic", root, "us"),
                Channel("demo-gemini", "gemini", root, "us"),
                Channel("demo-deepseek", "deepseek", root + "/v1", "cn"),
            ],
            Models =
            [
                Model("demo-gpt", "demo-openai", "gpt-4o-mini"),
                Model("demo-claude", "demo-anthropic", "claude-sonnet-4-5"),
                Model("demo-gemini", "demo-gemini", "gemini-2.5-flash"),
                Model("demo-reasoner", "demo-deepseek", "deepseek-reasoner"),
                Model("demo-embedding", "demo-openai", "text-embedding-3-small"),
            ],
            Keys = [new ClientKey { Name = "demo", Value = key! }],
        };
        return (config, emulator, key!, generated);
    }

    private static ChannelSettings Channel(string id, string provider, string baseUrl, string region) => new()
    {
        Id = id,
        Provider = provider,
        BaseUrl = new Uri(baseUrl),
        ApiKey = "emulator-key",
        Region = region,
    };

    private static ModelRoute Model(string name, string channel, string upstream) => new()
    {
        Name = name,
        Deployments = [new Deployment { ChannelId = channel, UpstreamModel = upstream }],
    };
}
