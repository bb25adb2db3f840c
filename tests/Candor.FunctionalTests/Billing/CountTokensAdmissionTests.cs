using Candor.Core.Accounts;
using Candor.Core.Audit;
using Candor.FunctionalTests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Candor.FunctionalTests.Billing;

/// <summary>Token counting (Anthropic <c>count_tokens</c>, Gemini <c>:countTokens</c>) admits a stored key like chat:
/// its allowed models (403), its rate limits (rpm counted; 429 with Retry-After in the surface's envelope) and the
/// channel quarantine; it reserves and charges nothing.</summary>
public sealed class CountTokensAdmissionTests(BillingHost host) : IClassFixture<BillingHost>
{
    private const string AnthropicPath = "/v1/messages/count_tokens";
    private const string AnthropicBody = """{"model":"m-anthropic","messages":[{"role":"user","content":"How many tokens is this sentence?"}]}""";
    private const string GeminiPath = "/v1beta/models/m-gemini:countTokens";
    private const string GeminiBody = """{"contents":[{"role":"user","parts":[{"text":"How many tokens is this sentence?"}]}]}""";

    [Theory]
    [InlineData("anthropic")]
    [InlineData("gemini")]
    public async Task RpmTwo_ThirdCountIsRefusedWith429AndRetryAfter_AndNothingIsCharged(string surface)
    {
        var ct = Json.Timeout(30);
        var account = await host.CreateAccountAsync(1_000_000, ct);
        var key = await host.CreateKeyAsync(account.Id, new ApiKeyLimits { RpmLimit = 2 }, ct);
        using var client = host.CreateClient(key.PlaintextKey);
        var statuses = new List<int>();
        for (int i = 0; i < 6; i++)
        {
            using var response = await PostAsync(client, surface, ct);
            statuses.Add((int)response.StatusCode);
            if (i == 2)
            {
                Assert.True(response.Headers.RetryAfter?.Delta > TimeSpan.Zero);
                var body = await Json.ReadAsync(response, ct);
                if (surface == "anthropic")
                {
                    Assert.Equal("rate_limit_error", body.GetProperty("error").GetProperty("type").GetString());
                }
                else
                {
                    Assert.Equal("RESOURCE_EXHAUSTED", body.GetProperty("error").GetProperty("status").GetString());
                }
            }
        }

        Assert.Equal([200, 200, 429, 429, 429, 429], statuses);

        // A chat request of the same key is refused too: counting used the key's requests.
        using var chat = await client.PostAsync("/v1/chat/completions", Json.Body("""{"model":"m-openai","messages":[{"role":"user","content":"hi"}],"max_tokens":5}"""), ct);
        Assert.Equal(429, (int)chat.StatusCode);
        Assert.Equal(1_000_000, await host.Store.GetBalanceAsync(account.Id, ct));
        Assert.Empty((await host.Store.ListUsageAsync(account.Id, key.Record.Id, 10, null, ct)).Items);
    }

    [Theory]
    [InlineData("anthropic")]
    [InlineData("gemini")]
    public async Task ModelOutsideAllowedList_IsRefusedWith403(string surface)
    {
        var ct = Json.Timeout(30);
        var account = await host.CreateAccountAsync(1_000_000, ct);
        var key = await host.CreateKeyAsync(account.Id, new ApiKeyLimits { AllowedModels = ["m-openai"] }, ct);
        using var client = host.CreateClient(key.PlaintextKey);
        using var response = await PostAsync(client, surface, ct);
        Assert.Equal(403, (int)response.StatusCode);
        var error = (await Json.ReadAsync(response, ct)).GetProperty("error");
        if (surface == "anthropic")
        {
            Assert.Equal("permission_error", error.GetProperty("type").GetString());
        }
        else
        {
            Assert.Equal("PERMISSION_DENIED", error.GetProperty("status").GetString());
        }
    }

    [Fact]
    public async Task ConcurrencyLimit_IsReleasedAfterEachCount()
    {
        var ct = Json.Timeout(30);
        var account = await host.CreateAccountAsync(1_000_000, ct);
        var key = await host.CreateKeyAsync(account.Id, new ApiKeyLimits { ConcurrencyLimit = 1 }, ct);
        using var client = host.CreateClient(key.PlaintextKey);
        for (int i = 0; i < 4; i++)
        {
            using var response = await PostAsync(client, i % 2 == 0 ? "anthropic" : "gemini", ct);
            Assert.Equal(200, (int)response.StatusCode);
        }
    }

    [Theory]
    [InlineData("anthropic", "an")]
    [InlineData("gemini", "ge")]
    public async Task QuarantinedChannel_GetsNoPrompt_CandorEstimates(string surface, string channel)
    {
        var ct = Json.Timeout(30);
        var account = await host.CreateAccountAsync(1_000_000, ct);
        var key = await host.CreateKeyAsync(account.Id, ApiKeyLimits.None, ct);
        using var client = host.CreateClient(key.PlaintextKey);
        using (var before = await PostAsync(client, surface, ct))
        {
            Assert.Equal("upstream", before.Headers.GetValues("x-candor-count-source").Single());
        }

        var quarantine = host.Services.GetRequiredService<ChannelQuarantine>();
        await quarantine.AddAsync(new QuarantineEntry(channel, "test", "test", DateTimeOffset.UtcNow), ct);
        try
        {
            using var response = await PostAsync(client, surface, ct);
            Assert.Equal(200, (int)response.StatusCode);
            Assert.Equal("estimate", response.Headers.GetValues("x-candor-count-source").Single());
            Assert.False(response.Headers.Contains("x-candor-channel"));
        }
        finally
        {
            await quarantine.ReleaseAsync(channel, ct);
        }
    }

    private static Task<HttpResponseMessage> PostAsync(HttpClient client, string surface, CancellationToken ct) => surface == "anthropic"
        ? client.PostAsync(AnthropicPath, Json.Body(AnthropicBody), ct)
        : client.PostAsync(GeminiPath, Json.Body(GeminiBody), ct);
}
