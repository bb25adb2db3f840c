using System.Text.Json;
using Candor.Core.Channels;
using Candor.Core.Security;
using Candor.Emulator;
using Candor.FunctionalTests.Infrastructure;
using Candor.Server.Cli;
using Candor.Storage;

namespace Candor.FunctionalTests.Channels;

/// <summary>`candor channels`, `candor deployments` and `candor master-key rotate` over a data directory, and a running
/// server picking up what the CLI changed.</summary>
public sealed class ChannelCliTests : IDisposable
{
    private readonly string _data = Directory.CreateTempSubdirectory("candor-chcli-").FullName;
    private readonly string _variable = "CANDOR_TEST_CRED_" + Guid.NewGuid().ToString("N");
    private readonly string _secret = "sk-cli-" + Guid.NewGuid().ToString("N");

    public ChannelCliTests() => Environment.SetEnvironmentVariable(_variable, _secret);

    public void Dispose()
    {
        Environment.SetEnvironmentVariable(_variable, null);
        Directory.Delete(_data, recursive: true);
    }

    private Task<(int Code, string Out, string Err)> RunAsync(params string[] args) => InProcessCli.RunAsync(_data, args);

    private static JsonElement Parse(string line) => JsonDocument.Parse(line).RootElement.Clone();

    [Fact]
    public async Task Channels_AddListUpdateDisableEnableTestRemove()
    {
        await using var emulator = await EmulatorHost.StartAsync(new EmulatorOptions { RequiredApiKey = _secret });
        string url = emulator.BaseAddress.ToString().TrimEnd('/') + "/v1";
        Assert.Equal(0, (await RunAsync("init")).Code);

        var added = await RunAsync("channels", "add", "--id", "cli-one", "--provider", "openai", "--base-url", url, "--credential-env", _variable,
            "--region", "eu", "--retention", "none", "--training", "never", "--headers", "X-Team=blue", "--idle-timeout-ms", "5000",
            "--deploy", "m-cli=gpt-4o-mini", "--priority", "2", "--weight", "3");
        Assert.True(added.Code == 0, added.Err);
        var channel = Parse(added.Out);
        Assert.Equal(1, channel.GetProperty("credential").GetProperty("key_id").GetInt32());
        Assert.Equal(ChannelHeaders.Redacted, channel.GetProperty("headers").GetProperty("X-Team").GetString());
        Assert.Equal(5000, channel.GetProperty("timeouts").GetProperty("idle_ms").GetInt32());
        Assert.Equal(2, channel.GetProperty("deployments")[0].GetProperty("priority").GetInt32());
        Assert.Equal(3, channel.GetProperty("deployments")[0].GetProperty("weight").GetInt32());

        var tested = await RunAsync("channels", "test", "--id", "cli-one");
        Assert.True(tested.Code == 0, tested.Out + tested.Err);
        Assert.Equal("gpt-4o-mini", Parse(tested.Out).GetProperty("served_model").GetString());

        var disabled = Parse((await RunAsync("channels", "disable", "--id", "cli-one", "--reason", "cost")).Out);
        Assert.True(disabled.GetProperty("disabled").GetBoolean());
        Assert.Equal("cost", disabled.GetProperty("disabled_reason").GetString());
        Assert.False(Parse((await RunAsync("channels", "enable", "--id", "cli-one")).Out).GetProperty("disabled").GetBoolean());

        var updated = Parse((await RunAsync("channels", "update", "--id", "cli-one", "--clear-credential", "--region", "us")).Out);
        Assert.False(updated.GetProperty("credential").GetProperty("set").GetBoolean());
        Assert.Equal("us", updated.GetProperty("region").GetString());
        var refused = await RunAsync("channels", "test", "--id", "cli-one");
        Assert.Equal(1, refused.Code);
        Assert.Equal("auth", Parse(refused.Out).GetProperty("error").GetProperty("class").GetString());

        var bad = await RunAsync("channels", "update", "--id", "cli-one", "--base-url", "ftp://nowhere");
        Assert.Equal(2, bad.Code);
        Assert.Contains("base_url", bad.Err, StringComparison.Ordinal);

        var listed = await RunAsync("channels", "list");
        Assert.Contains("cli-one", listed.Out, StringComparison.Ordinal);
        var deployments = await RunAsync("deployments", "list", "--model", "m-cli");
        string depId = Parse(deployments.Out.Trim()).GetProperty("id").GetString()!;
        Assert.Equal(0, (await RunAsync("deployments", "remove", "--id", depId)).Code);
        Assert.Equal(0, (await RunAsync("channels", "remove", "--id", "cli-one")).Code);
        Assert.Equal("", (await RunAsync("channels", "list")).Out.Trim());

        foreach (string file in Directory.GetFiles(_data))
        {
            Assert.DoesNotContain(_secret, await File.ReadAllTextAsync(file), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task MasterKeyRotate_ResealsEveryCredential_AndRetiresTheOldKey()
    {
        Assert.Equal(0, (await RunAsync("init")).Code);
        foreach (string id in new[] { "rot-a", "rot-b" })
        {
            Assert.Equal(0, (await RunAsync("channels", "add", "--id", id, "--provider", "openai", "--base-url", "http://127.0.0.1:1/v1", "--credential-env", _variable)).Code);
        }

        Assert.Equal(0, (await RunAsync("channels", "add", "--id", "rot-none", "--provider", "ollama", "--base-url", "http://127.0.0.1:1/v1")).Code);
        // An account's history data key is sealed under the same ring; the rotation must carry it along.
        byte[] dataKey;
        Candor.Core.Privacy.HistoryDataKey sealedKey;
        using (var before = await SqliteStore.OpenAsync(_data, new Candor.Core.Admission.KeyHasher(ServerSecret.LoadOrCreate(_data)), TimeProvider.System, default))
        {
            var account = await before.CreateAccountAsync("history-holder", "default", default);
            (sealedKey, dataKey) = Candor.Core.Privacy.HistoryCipher.NewDataKey(MasterKeyFile.LoadOrCreate(_data, null), account.Id);
            await before.AddHistoryKeyAsync(sealedKey, default);
        }

        string keyFile = Path.Combine(_data, MasterKeyFile.FileName);
        string oldLine = (await File.ReadAllLinesAsync(keyFile)).Single(l => l.StartsWith("1:", StringComparison.Ordinal));

        var rotated = await RunAsync("master-key", "rotate");
        Assert.True(rotated.Code == 0, rotated.Err);
        var result = Parse(rotated.Out);
        Assert.Equal(2, result.GetProperty("key_id").GetInt32());
        Assert.Equal(3, result.GetProperty("resealed").GetInt32());
        Assert.Equal(1, result.GetProperty("retired")[0].GetInt32());

        // The old key is gone from the file; the ring holds only the new one.
        string[] lines = (await File.ReadAllLinesAsync(keyFile)).Where(l => l.Length > 0).ToArray();
        Assert.DoesNotContain(oldLine, lines);
        var ring = MasterKeyFile.LoadOrCreate(_data, null);
        Assert.Equal([2u], ring.KeyIds);

        // Every credential opens with the new ring alone, and is sealed under key 2.
        using var store = await SqliteStore.OpenAsync(_data, new Candor.Core.Admission.KeyHasher(ServerSecret.LoadOrCreate(_data)), TimeProvider.System, default);
        var stored = await store.LoadChannelsAsync(default);
        foreach (var channel in stored.Channels.Where(c => c.SealedCredential is not null))
        {
            Assert.Equal(2u, channel.CredentialKeyId);
            Assert.Equal(_secret, ChannelCredentials.Open(ring, channel.Id, channel.SealedCredential!));
        }

        Assert.Equal(2, stored.Channels.Count(c => c.SealedCredential is not null));

        var history = await store.GetHistoryKeyAsync(sealedKey.AccountId, default);
        Assert.NotNull(history);
        Assert.Equal(2u, MasterKeyRing.KeyIdOf(history!.Sealed));
        Assert.Equal(dataKey, Candor.Core.Privacy.HistoryCipher.OpenDataKey(ring, history));

        // An envelope copied to another channel's row does not open (the associated data binds it to its channel).
        var a = stored.Channels.Single(c => c.Id == "rot-a");
        Assert.ThrowsAny<System.Security.Cryptography.CryptographicException>(() => ChannelCredentials.Open(ring, "rot-b", a.SealedCredential!));

        var listed = await RunAsync("channels", "list");
        Assert.Contains("\"key_id\":2", listed.Out, StringComparison.Ordinal);
        Assert.DoesNotContain(_secret, listed.Out, StringComparison.Ordinal);
    }
}

/// <summary>A running server applies what the CLI writes to the same data directory, including a master-key
/// rotation: it keeps routing with credentials re-sealed under the new key.</summary>
public sealed class ChannelCliWithServerTests(ChannelsFixture fixture) : IClassFixture<ChannelsFixture>
{
    [Fact]
    public async Task CliChanges_ReachTheRunningServer_AndRotationKeepsItRouting()
    {
        string variable = "CANDOR_TEST_CRED_" + Guid.NewGuid().ToString("N");
        Environment.SetEnvironmentVariable(variable, fixture.Secret);
        try
        {
            var output = new StringWriter();
            var error = new StringWriter();
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            int code = await CandorCli.RunAsync(["channels", "add", "--id", "from-cli", "--provider", "openai", "--base-url", fixture.PrivateUrl(),
                "--credential-env", variable, "--deploy", "m-from-cli=gpt-4o-mini", "--data", fixture.DataDirectory], output, error, cts.Token);
            Assert.True(code == 0, error.ToString());

            Assert.Equal(200, await EventuallyAsync(() => fixture.ChatAsync("m-from-cli"), 200));

            code = await CandorCli.RunAsync(["master-key", "rotate", "--data", fixture.DataDirectory], output, error, cts.Token);
            Assert.True(code == 0, error.ToString());
            await Task.Delay(1500);
            var (_, channel) = await fixture.AdminAsync(HttpMethod.Get, "/admin/v1/channels/from-cli");
            Assert.Equal(2, channel.GetProperty("credential").GetProperty("key_id").GetInt32());
            Assert.True(channel.GetProperty("routed").GetBoolean(), channel.ToString());
            var (status, served, _) = await fixture.ChatAsync("m-from-cli");
            Assert.Equal(200, status);
            Assert.Equal("from-cli", served);

            code = await CandorCli.RunAsync(["channels", "disable", "--id", "from-cli", "--data", fixture.DataDirectory], output, error, cts.Token);
            Assert.Equal(0, code);
            Assert.Equal(404, await EventuallyAsync(() => fixture.ChatAsync("m-from-cli"), 404));
        }
        finally
        {
            Environment.SetEnvironmentVariable(variable, null);
        }
    }

    private static async Task<int> EventuallyAsync(Func<Task<(int Status, string? Channel, string Body)>> send, int expected)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        int last;
        do
        {
            last = (await send()).Status;
            if (last == expected)
            {
                return last;
            }

            await Task.Delay(200);
        }
        while (DateTime.UtcNow < deadline);
        return last;
    }
}
