using System.Text;
using System.Text.Json;
using Candor.Core.Channels;
using Candor.Core.Configuration;
using Candor.FunctionalTests.Infrastructure;
using Candor.Storage;

namespace Candor.FunctionalTests.Operations;

/// <summary>Channel header values are secrets: sealed at rest under the master key ring, shown back only by name,
/// sent upstream in the clear, re-sealed by a master-key rotation; the YAML file can take them from the environment
/// (issue 13, item 14).</summary>
public sealed class ChannelHeaderSecretTests : IDisposable
{
    private readonly string _data = Directory.CreateTempSubdirectory("candor-hdr-").FullName;
    private readonly string _variable = "CANDOR_TEST_HDR_" + Guid.NewGuid().ToString("N");
    private readonly string _secret = "apim-" + Guid.NewGuid().ToString("N");

    public ChannelHeaderSecretTests() => Environment.SetEnvironmentVariable(_variable, _secret);

    public void Dispose()
    {
        Environment.SetEnvironmentVariable(_variable, null);
        Directory.Delete(_data, recursive: true);
    }

    private Task<(int Code, string Out, string Err)> RunAsync(params string[] args) => InProcessCli.RunAsync(_data, args);

    private async Task<string> DataDirectoryBytesAsync()
    {
        var text = new StringBuilder();
        foreach (string file in Directory.EnumerateFiles(_data, "*", SearchOption.AllDirectories))
        {
            text.Append(Encoding.Latin1.GetString(await File.ReadAllBytesAsync(file)));
        }

        return text.ToString();
    }

    private async Task<ChannelSettings> ActivateAsync()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        using var store = await SqliteStore.OpenAsync(_data, new Candor.Core.Admission.KeyHasher(ServerSecret.LoadOrCreate(_data)), TimeProvider.System, cts.Token);
        var stored = await store.LoadChannelsAsync(cts.Token);
        var settings = ChannelComposer.Activate(stored.Channels.Single(), new HashSet<string>(), MasterKeyFile.LoadOrCreate(_data, null),
            new HashSet<string> { "openai", "azure" }, out string? reason);
        Assert.True(settings is not null, reason);
        return settings;
    }

    [Fact]
    public async Task HeaderCarryingACredential_IsSealedRedactedAndStillSent()
    {
        Assert.Equal(0, (await RunAsync("init")).Code);
        var added = await RunAsync("channels", "add", "--id", "apim", "--provider", "openai", "--base-url", "http://127.0.0.1:9/v1",
            "--header-env", $"Ocp-Apim-Subscription-Key={_variable}", "--headers", "X-Team=blue");
        Assert.True(added.Code == 0, added.Err);

        var headers = JsonDocument.Parse(added.Out).RootElement.GetProperty("headers");
        Assert.Equal(ChannelHeaders.Redacted, headers.GetProperty("Ocp-Apim-Subscription-Key").GetString());
        Assert.Equal(ChannelHeaders.Redacted, headers.GetProperty("X-Team").GetString());
        var listed = await RunAsync("channels", "list");
        Assert.DoesNotContain(_secret, listed.Out, StringComparison.Ordinal);
        Assert.DoesNotContain(_secret, await DataDirectoryBytesAsync(), StringComparison.Ordinal);
        Assert.DoesNotContain("blue", await DataDirectoryBytesAsync(), StringComparison.Ordinal);

        var settings = await ActivateAsync();
        Assert.Equal(_secret, settings.Headers["ocp-apim-subscription-key"]);
        Assert.Equal("blue", settings.Headers["X-Team"]);

        // A rotation re-seals the headers under the new key and retires the old one: they still open.
        var rotated = await RunAsync("master-key", "rotate");
        Assert.True(rotated.Code == 0, rotated.Err);
        Assert.Equal(_secret, (await ActivateAsync()).Headers["Ocp-Apim-Subscription-Key"]);

        // An update that does not touch the headers keeps them.
        Assert.Equal(0, (await RunAsync("channels", "update", "--id", "apim", "--region", "eu")).Code);
        Assert.Equal(_secret, (await ActivateAsync()).Headers["Ocp-Apim-Subscription-Key"]);
    }

    [Fact]
    public async Task HeaderEnvironmentVariableThatIsNotSet_IsRefused()
    {
        Assert.Equal(0, (await RunAsync("init")).Code);
        var refused = await RunAsync("channels", "add", "--id", "apim", "--provider", "openai", "--base-url", "http://127.0.0.1:9/v1",
            "--header-env", "Ocp-Apim-Subscription-Key=CANDOR_TEST_NOT_SET_" + Guid.NewGuid().ToString("N"));
        Assert.Equal(2, refused.Code);
        Assert.Contains("--header-env", refused.Err, StringComparison.Ordinal);
    }

    [Fact]
    public void YamlHeader_TakesItsValueFromTheEnvironment()
    {
        string path = Path.Combine(_data, "candor.yaml");
        File.WriteAllText(path, """
            channels:
              - id: az
                provider: openai
                base_url: http://127.0.0.1:9/v1
                headers:
                  Ocp-Apim-Subscription-Key: { env: APIM_KEY }
                  X-Team: blue
            models:
              - name: m
                deployments: [{ channel: az, model: gpt-4o-mini }]
            keys:
              - name: t
                key_env: CLIENT_KEY
            """);
        ConfigLoader Loader() => new(new HashSet<string> { "openai" },
            name => name switch { "APIM_KEY" => _secret, "CLIENT_KEY" => "sk-test-0123456789abcdefghijkl", _ => null });

        var config = Loader().LoadFile(path);
        Assert.Equal(_secret, config.Channels.Single().Headers["Ocp-Apim-Subscription-Key"]);

        File.WriteAllText(path, File.ReadAllText(path).Replace("APIM_KEY", "APIM_MISSING", StringComparison.Ordinal));
        var e = Assert.Throws<ConfigException>(() => Loader().LoadFile(path));
        Assert.Contains("APIM_MISSING", e.Message, StringComparison.Ordinal);
    }
}
