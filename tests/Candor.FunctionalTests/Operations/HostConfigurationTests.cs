using Candor.FunctionalTests.Infrastructure;
using Microsoft.Extensions.Configuration;

namespace Candor.FunctionalTests.Operations;

/// <summary>The ASP.NET Core host under Candor: appsettings.json is still read, but never watched (a watch puts an
/// inotify watcher on every directory under the working directory and wakes on every write there).</summary>
public sealed class HostConfigurationTests
{
    [Fact]
    public async Task AppSettings_ReadButNotWatched()
    {
        var ct = Json.Timeout(90);
        await using var host = await CandorTestHost.Create()
            .Yaml("""
                channels:
                  - { id: hc-oa, provider: openai, base_url: "{{emu}}/v1", api_key_env: UPSTREAM_KEY }
                models:
                  - { name: hc-model, deployments: [{ channel: hc-oa, model: gpt-4o-mini }] }
                keys:
                  - { name: k, key_env: CLIENT_KEY }
                """)
            .Env("CLIENT_KEY", "sk-host-config-0123456789abcdef")
            .StartAsync(ct);

        var root = Assert.IsAssignableFrom<IConfigurationRoot>(host.Services.GetService(typeof(IConfiguration)));
        var files = root.Providers.OfType<FileConfigurationProvider>().ToArray();
        Assert.NotEmpty(files);
        Assert.All(files, static p => Assert.False(p.Source.ReloadOnChange, p.Source.Path));
    }
}
