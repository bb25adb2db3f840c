using System.Net;
using System.Text.Json;
using Candor.FunctionalTests.Infrastructure;
using Microsoft.AspNetCore.Builder;

namespace Candor.FunctionalTests.WebConsole;

/// <summary>A Candor with a data directory for the web-console tests: an operator login, an account with an owner
/// login, a second account, and a stored channel, all made through the admin API and invitations as an operator
/// would.</summary>
public sealed class ConsoleFixture : IAsyncLifetime
{
    public const string Password = ConsoleLogins.Password;

    private CandorTestHost? _host;

    public WebApplication App => _host!.App;

    public Uri BaseAddress => _host!.BaseAddress;

    public string OperatorKey => _host!.OperatorKey;

    public string AccountA { get; private set; } = "";

    public string AccountB { get; private set; } = "";

    public string OperatorLogin => "ops@example.com";

    public string MemberLogin => "alice@example.com";

    /// <summary>A login with the plain member role in account A (own keys only).</summary>
    public string PlainMemberLogin => "bob@example.com";

    public string ChannelId => "console-ch";

    public async Task InitializeAsync()
    {
        _host = await CandorTestHost.Create()
            .Prefix("candor-console-")
            .Env("CLIENT_KEY", CandorFixture.Key)
            .Bootstrap()
            .WithClientTimeout(TimeSpan.FromSeconds(20))
            .Yaml(CandorFixture.ConfigYaml)
            .StartAsync();
        AccountA = await CreateAccountAsync("console-a");
        AccountB = await CreateAccountAsync("console-b");
        Assert.Equal(201, (await AdminAsync(HttpMethod.Post, $"/admin/v1/accounts/{AccountA}/top-ups", """{"amount_micros":100000000}""")).Status);
        Assert.Equal(200, (await AdminAsync(HttpMethod.Put, $"/admin/v1/accounts/{AccountA}/members/{Uri.EscapeDataString(MemberLogin)}", """{"role":"owner"}""")).Status);
        await CreateLoginAsync(OperatorLogin, isOperator: true);
        await CreateLoginAsync(MemberLogin, isOperator: false);
        Assert.Equal(200, (await AdminAsync(HttpMethod.Put, $"/admin/v1/accounts/{AccountA}/members/{Uri.EscapeDataString(PlainMemberLogin)}", """{"role":"member"}""")).Status);
        await CreateLoginAsync(PlainMemberLogin, isOperator: false);
        var (status, _) = await AdminAsync(HttpMethod.Post, "/admin/v1/channels", $$"""
            {"id":"{{ChannelId}}","provider":"openai","base_url":"{{_host.Emulator.BaseAddress.ToString().TrimEnd('/')}}/v1"}
            """);
        Assert.Equal(201, status);
    }

    public async Task<(int Status, JsonElement Body)> AdminAsync(HttpMethod method, string path, string? body = null)
    {
        var (status, text) = await _host!.SendAsync(OperatorKey, method, path, body, Json.Timeout());
        return (status, Json.ParseOrDefault(text));
    }

    private async Task<string> CreateAccountAsync(string name)
    {
        var (status, account) = await AdminAsync(HttpMethod.Post, "/admin/v1/accounts", $$"""{"name":"{{name}}"}""");
        Assert.Equal(201, status);
        return account.GetProperty("id").GetString()!;
    }

    private Task CreateLoginAsync(string principal, bool isOperator) => ConsoleLogins.CreateAsync(_host!, principal, isOperator);

    /// <summary>Sends one chat request through the relay with a client key; returns the status.</summary>
    public async Task<int> ChatAsync(string key, string model = "m-openai")
    {
        var (status, _) = await _host!.SendAsync(key, HttpMethod.Post, "/v1/chat/completions",
            $$"""{"model":"{{model}}","messages":[{"role":"user","content":"Say hello"}]}""", Json.Timeout());
        return status;
    }

    /// <summary>Runs the CLI in-process on this server's data directory.</summary>
    public Task<(int Code, string Out, string Err)> RunCliAsync(params string[] args) => _host!.RunCliAsync(args);

    /// <summary>A cookie-keeping client that sends this server's Origin, as the console page does.</summary>
    public ConsoleClient NewSession() => new(BaseAddress);

    public async Task DisposeAsync()
    {
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }
    }
}

/// <summary>An HTTP client with its own cookie jar, the page's Origin and, once signed in, the CSRF token.</summary>
public sealed class ConsoleClient : IDisposable
{
    private readonly HttpClient _client;

    public ConsoleClient(Uri baseAddress)
    {
        Cookies = new CookieContainer();
        _client = new HttpClient(new HttpClientHandler { CookieContainer = Cookies, UseCookies = true }) { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(20) };
        Origin = baseAddress.GetLeftPart(UriPartial.Authority);
    }

    public CookieContainer Cookies { get; }

    public string? Origin { get; set; }

    public string? Csrf { get; set; }

    public string? SessionCookie => Cookies.GetCookies(_client.BaseAddress!)["candor_session"]?.Value;

    public async Task<(int Status, JsonElement Body)> SignInAsync(string principal, string password)
    {
        var result = await SendAsync(HttpMethod.Post, "/console/api/session", JsonSerializer.Serialize(new { principal, password }));
        if (result.Status == 200 && result.Body.TryGetProperty("csrf_token", out var csrf))
        {
            Csrf = csrf.GetString();
        }

        return result;
    }

    public async Task<(int Status, JsonElement Body)> SendAsync(HttpMethod method, string path, string? body = null, bool csrf = true)
    {
        using var response = await SendRawAsync(method, path, body, csrf);
        return ((int)response.StatusCode, Json.ParseOrDefault(await response.Content.ReadAsStringAsync(Json.Timeout())));
    }

    public async Task<HttpResponseMessage> SendRawAsync(HttpMethod method, string path, string? body = null, bool csrf = true)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = Json.Body(body);
        }

        if (Origin is not null && method != HttpMethod.Get)
        {
            request.Headers.Add("Origin", Origin);
        }

        if (csrf && Csrf is not null && method != HttpMethod.Get)
        {
            request.Headers.Add("x-candor-csrf", Csrf);
        }

        return await _client.SendAsync(request, Json.Timeout());
    }

    public void Dispose() => _client.Dispose();
}
