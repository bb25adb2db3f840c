using System.Text.Json;
using Candor.Emulator;
using Candor.FunctionalTests.Infrastructure;
using Candor.Storage;
using Microsoft.AspNetCore.Builder;

namespace Candor.FunctionalTests.Admin;

/// <summary>A Candor of its own for the admin API tests: the emulator, the functional-test configuration, and a
/// temporary data directory bootstrapped first with <see cref="StoreBootstrap"/> to obtain the operator key.</summary>
public sealed class AdminFixture : IAsyncLifetime
{
    private CandorTestHost? _host;

    public WebApplication App => _host!.App;

    public EmulatorHost Emulator => _host!.Emulator;

    public Uri BaseAddress => _host!.BaseAddress;

    public string OperatorKey => _host!.OperatorKey;

    public async Task InitializeAsync() => _host = await CandorTestHost.Create()
        .Prefix("candor-admin-")
        .Env("CLIENT_KEY", CandorFixture.Key)
        .Bootstrap()
        .WithClientTimeout(TimeSpan.FromSeconds(20))
        .Yaml(CandorFixture.ConfigYaml)
        .StartAsync();

    public HttpClient Client(string? key) => _host!.CreateClient(key);

    /// <summary>Sends a request and returns the status and the JSON body (default when there is none).</summary>
    public async Task<(int Status, JsonElement Body)> SendAsync(string? key, HttpMethod method, string path, string? body = null)
    {
        var (status, text) = await _host!.SendAsync(key, method, path, body, Json.Timeout());
        return (status, Json.ParseOrDefault(text));
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
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }
    }
}
