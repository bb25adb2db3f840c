using System.Net.Http.Headers;
using System.Text.Json;
using Candor.Emulator;
using Candor.FunctionalTests.Infrastructure;
using Candor.Server.Hosting;
using Candor.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Logging;

namespace Candor.FunctionalTests.Channels;

/// <summary>A Candor with a data directory, logging at Trace into <see cref="Logs"/>, over two emulators: the shared
/// one (the configuration file's channels, key <c>upstream-secret</c>) and a private one that answers only to
/// <see cref="Secret"/>, the credential the tests give stored channels through the admin API. Every admin response
/// the tests read is kept in <see cref="Responses"/>.</summary>
public sealed class ChannelsFixture : IAsyncLifetime
{
    /// <summary>The stored channels' credential: unique per run, so finding it anywhere is a leak.</summary>
    public string Secret { get; } = "sk-vault-" + Guid.NewGuid().ToString("N");

    private string? _dir;

    public WebApplication App { get; private set; } = null!;

    public EmulatorHost Emulator { get; private set; } = null!;

    /// <summary>Answers only requests carrying <see cref="Secret"/>.</summary>
    public EmulatorHost Private { get; private set; } = null!;

    public Uri BaseAddress { get; private set; } = null!;

    public string OperatorKey { get; private set; } = null!;

    public string DataDirectory { get; private set; } = null!;

    public CapturingLoggerProvider Logs { get; } = new();

    public System.Collections.Concurrent.ConcurrentQueue<string> Responses { get; } = new();

    public async Task InitializeAsync()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        Emulator = await EmulatorHost.StartAsync(new EmulatorOptions { RequiredApiKey = "upstream-secret" }).WaitAsync(cts.Token);
        Private = await EmulatorHost.StartAsync(new EmulatorOptions { RequiredApiKey = Secret }).WaitAsync(cts.Token);
        _dir = Directory.CreateTempSubdirectory("candor-channels-").FullName;
        string config = Path.Combine(_dir, "candor.yaml");
        DataDirectory = Path.Combine(_dir, "data");
        await File.WriteAllTextAsync(config, CandorFixture.ConfigYaml(Emulator.BaseAddress.ToString().TrimEnd('/')), cts.Token);
        var boot = await StoreBootstrap.InitializeAsync(DataDirectory, TimeProvider.System, cts.Token);
        using (boot.Store)
        {
            OperatorKey = boot.OperatorKey!.PlaintextKey;
        }

        App = await CandorServer.BuildAsync(new ServeOptions
        {
            ConfigPath = config,
            DataDirectory = DataDirectory,
            Urls = "http://127.0.0.1:0",
            Environment = CandorFixture.Environment,
            Watch = false,
            LogLevel = LogLevel.Trace,
            LoggerProvider = Logs,
        }, cancellationToken: cts.Token);
        await App.StartAsync(cts.Token);
        BaseAddress = new Uri(App.Urls.First());
    }

    public string PrivateUrl(string suffix = "/v1") => Private.BaseAddress.ToString().TrimEnd('/') + suffix;

    /// <summary>Sends an admin request; returns the status and JSON body, and keeps the raw text.</summary>
    public async Task<(int Status, JsonElement Body)> SendAsync(string? key, HttpMethod method, string path, string? body = null)
    {
        using var client = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(20) };
        if (key is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }

        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = Json.Body(body);
        }

        var token = Json.Timeout();
        using var response = await client.SendAsync(request, token);
        string text = await response.Content.ReadAsStringAsync(token);
        Responses.Enqueue(text);
        if (text.Length == 0)
        {
            return ((int)response.StatusCode, default);
        }

        using var doc = JsonDocument.Parse(text);
        return ((int)response.StatusCode, doc.RootElement.Clone());
    }

    public Task<(int Status, JsonElement Body)> AdminAsync(HttpMethod method, string path, string? body = null) => SendAsync(OperatorKey, method, path, body);

    /// <summary>A chat completion with the configuration file's client key; returns the status, the serving channel and the body text.</summary>
    public async Task<(int Status, string? Channel, string Body)> ChatAsync(string model)
    {
        using var client = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(20) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", CandorFixture.Key);
        var token = Json.Timeout();
        using var response = await client.PostAsync("/v1/chat/completions",
            Json.Body($$"""{"model":"{{model}}","messages":[{"role":"user","content":"Hello"}]}"""), token);
        string text = await response.Content.ReadAsStringAsync(token);
        Responses.Enqueue(text);
        string? channel = response.Headers.TryGetValues("x-candor-channel", out var v) ? v.First() : null;
        return ((int)response.StatusCode, channel, text);
    }

    public async Task DisposeAsync()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        if (App is not null)
        {
            await App.StopAsync(cts.Token);
            await App.DisposeAsync().AsTask().WaitAsync(cts.Token);
        }

        foreach (var emulator in new[] { Emulator, Private })
        {
            if (emulator is not null)
            {
                await emulator.DisposeAsync().AsTask().WaitAsync(cts.Token);
            }
        }

        if (_dir is not null)
        {
            Directory.Delete(_dir, recursive: true);
        }
    }
}
