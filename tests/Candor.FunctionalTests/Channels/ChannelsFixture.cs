using System.Text.Json;
using Candor.Emulator;
using Candor.FunctionalTests.Infrastructure;
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

    private CandorTestHost? _host;

    public WebApplication App => _host!.App;

    public EmulatorHost Emulator => _host!.Emulators[0];

    /// <summary>Answers only requests carrying <see cref="Secret"/>.</summary>
    public EmulatorHost Private => _host!.Emulators[1];

    public Uri BaseAddress => _host!.BaseAddress;

    public string OperatorKey => _host!.OperatorKey;

    public string DataDirectory => _host!.DataDirectory;

    public CapturingLoggerProvider Logs => _host!.Logs;

    public System.Collections.Concurrent.ConcurrentQueue<string> Responses { get; } = new();

    public async Task InitializeAsync() => _host = await CandorTestHost.Create()
        .Prefix("candor-channels-")
        .OnSqlite("ChannelApiTests reads candor.db and its WAL for credentials in plaintext")
        .Emulator(new EmulatorOptions { RequiredApiKey = CandorTestHost.UpstreamSecret })
        .Emulator(new EmulatorOptions { RequiredApiKey = Secret })
        .Env("CLIENT_KEY", CandorFixture.Key)
        .Bootstrap()
        .CaptureLogs(LogLevel.Trace)
        .WithClientTimeout(TimeSpan.FromSeconds(20))
        .Yaml(CandorFixture.ConfigYaml)
        .StartAsync();

    public string PrivateUrl(string suffix = "/v1") => Private.BaseAddress.ToString().TrimEnd('/') + suffix;

    /// <summary>Sends an admin request; returns the status and JSON body, and keeps the raw text.</summary>
    public async Task<(int Status, JsonElement Body)> SendAsync(string? key, HttpMethod method, string path, string? body = null)
    {
        var (status, text) = await _host!.SendAsync(key, method, path, body, Json.Timeout());
        Responses.Enqueue(text);
        return (status, Json.ParseOrDefault(text));
    }

    public Task<(int Status, JsonElement Body)> AdminAsync(HttpMethod method, string path, string? body = null) => SendAsync(OperatorKey, method, path, body);

    /// <summary>A chat completion with the configuration file's client key; returns the status, the serving channel and the body text.</summary>
    public async Task<(int Status, string? Channel, string Body)> ChatAsync(string model)
    {
        using var client = _host!.CreateClient(CandorFixture.Key);
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
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }
    }
}
