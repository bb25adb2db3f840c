using System.Net.Http.Headers;
using System.Text.Json;
using Candor.Emulator;
using Candor.FunctionalTests.Infrastructure;
using Candor.Server.Hosting;
using Candor.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Logging;

namespace Candor.FunctionalTests.Admin;

/// <summary>A Candor of its own for the admin API tests: the emulator, the functional-test configuration, and a
/// temporary data directory bootstrapped first with <see cref="StoreBootstrap"/> to obtain the operator key.</summary>
public sealed class AdminFixture : IAsyncLifetime
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);

    private string? _dir;

    public WebApplication App { get; private set; } = null!;

    public EmulatorHost Emulator { get; private set; } = null!;

    public Uri BaseAddress { get; private set; } = null!;

    public string OperatorKey { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        using var cts = new CancellationTokenSource(StartTimeout);
        Emulator = await EmulatorHost.StartAsync(new EmulatorOptions { RequiredApiKey = "upstream-secret" }).WaitAsync(cts.Token);
        _dir = Directory.CreateTempSubdirectory("candor-admin-").FullName;
        string config = Path.Combine(_dir, "candor.yaml");
        string data = Path.Combine(_dir, "data");
        await File.WriteAllTextAsync(config, CandorFixture.ConfigYaml(Emulator.BaseAddress.ToString().TrimEnd('/')), cts.Token);

        var boot = await StoreBootstrap.InitializeAsync(data, TimeProvider.System, cts.Token);
        using (boot.Store)
        {
            OperatorKey = boot.OperatorKey!.PlaintextKey;
        }

        App = await CandorServer.BuildAsync(new ServeOptions
        {
            ConfigPath = config,
            DataDirectory = data,
            Urls = "http://127.0.0.1:0",
            Environment = CandorFixture.Environment,
            Watch = false,
            LogLevel = LogLevel.Warning,
        }, cancellationToken: cts.Token);
        await App.StartAsync(cts.Token);
        BaseAddress = new Uri(App.Urls.First());
    }

    public HttpClient Client(string? key)
    {
        var client = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(20) };
        if (key is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }

        return client;
    }

    /// <summary>Sends a request and returns the status and the JSON body (default when there is none).</summary>
    public async Task<(int Status, JsonElement Body)> SendAsync(string? key, HttpMethod method, string path, string? body = null)
    {
        using var client = Client(key);
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = Json.Body(body);
        }

        var token = Json.Timeout();
        using var response = await client.SendAsync(request, token);
        string text = await response.Content.ReadAsStringAsync(token);
        if (text.Length == 0)
        {
            return ((int)response.StatusCode, default);
        }

        using var doc = JsonDocument.Parse(text);
        return ((int)response.StatusCode, doc.RootElement.Clone());
    }

    /// <summary>As <see cref="SendAsync"/> with the operator key.</summary>
    public Task<(int Status, JsonElement Body)> AdminAsync(HttpMethod method, string path, string? body = null) =>
        SendAsync(OperatorKey, method, path, body);

    /// <summary>Creates an account and a key in it (no limits) through the API; returns their ids and the key.</summary>
    public async Task<(string AccountId, string KeyId, string Key)> CreateAccountWithKeyAsync(string name)
    {
        var (status, account) = await AdminAsync(HttpMethod.Post, "/admin/v1/accounts", $$"""{"name":"{{name}}"}""");
        Assert.Equal(201, status);
        string accountId = account.GetProperty("id").GetString()!;
        var (keyStatus, key) = await AdminAsync(HttpMethod.Post, $"/admin/v1/accounts/{accountId}/keys", """{"name":"k"}""");
        Assert.Equal(201, keyStatus);
        return (accountId, key.GetProperty("id").GetString()!, key.GetProperty("key").GetString()!);
    }

    public async Task DisposeAsync()
    {
        using var cts = new CancellationTokenSource(StartTimeout);
        if (App is not null)
        {
            await App.StopAsync(cts.Token);
            await App.DisposeAsync().AsTask().WaitAsync(cts.Token);
        }

        if (Emulator is not null)
        {
            await Emulator.DisposeAsync().AsTask().WaitAsync(cts.Token);
        }

        if (_dir is not null)
        {
            Directory.Delete(_dir, recursive: true);
        }
    }
}
