using Candor.Core.Accounts;
using Candor.Core.Routing;
using Candor.FunctionalTests.Billing;
using Candor.FunctionalTests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Candor.FunctionalTests.Routing;

/// <summary>A Candor whose upstream answers may be at most 64 KiB (<c>server.max_upstream_response_bytes</c>).</summary>
public sealed class ResponseLimitHost : BillingHost
{
    public const long Limit = 64 * 1024;

    protected override string ServerSettings => $"max_upstream_response_bytes: {Limit}";
}

/// <summary>An upstream answer over <c>server.max_upstream_response_bytes</c> (embeddings, token counting, whole chat
/// answers) is a 502 "too large" in the surface's envelope, and it does not count against the deployment's health:
/// one account asking for too much cannot open the circuit every other account shares.</summary>
public sealed class ResponseLimitTests(ResponseLimitHost host) : IClassFixture<ResponseLimitHost>
{
    // 8 inputs × 8192 dimensions: several hundred KB of floats, far over the 64 KiB limit.
    private const string BigEmbeddings = """{"model":"m-embed-strict","input":["a","b","c","d","e","f","g","h"],"dimensions":8192}""";
    private const string SmallEmbeddings = """{"model":"m-embed-strict","input":["a"],"dimensions":8}""";

    // About 20,000 words in one whole answer: well over 64 KiB.
    private const string BigChat = """{"model":"m-openai-strict","messages":[{"role":"user","content":"[[emulator:tokens=20000]] write"}],"max_tokens":30000}""";
    private const string SmallChat = """{"model":"m-openai-strict","messages":[{"role":"user","content":"hi"}],"max_tokens":5}""";

    [Theory]
    [InlineData("/v1/embeddings", BigEmbeddings, SmallEmbeddings, "text-embedding-3-small")]
    [InlineData("/v1/chat/completions", BigChat, SmallChat, "gpt-4o-mini")]
    public async Task FiveAnswersOverTheLimit_Are502TooLarge_AndDoNotOpenTheSharedCircuit(string path, string big, string small, string upstreamModel)
    {
        var ct = Json.Timeout(90);
        var greedy = await host.CreateAccountAsync(100_000_000, ct);
        var greedyKey = await host.CreateKeyAsync(greedy.Id, ApiKeyLimits.None, ct);
        using var greedyClient = host.CreateClient(greedyKey.PlaintextKey);
        for (int i = 0; i < 5; i++)
        {
            using var response = await greedyClient.PostAsync(path, Json.Body(big), ct);
            Assert.Equal(502, (int)response.StatusCode);
            Assert.Equal("1", response.Headers.GetValues("x-candor-attempts").Single());
            var error = (await Json.ReadAsync(response, ct)).GetProperty("error");
            string message = error.GetProperty("message").GetString()!;
            Assert.Contains("too large", message, StringComparison.Ordinal);
            Assert.Contains(ResponseLimitHost.Limit.ToString(System.Globalization.CultureInfo.InvariantCulture), message, StringComparison.Ordinal);
        }

        // The deployment counted none of them, and another account is served (the model fails fast when unhealthy).
        var deployment = Deployment(upstreamModel);
        Assert.Equal("healthy", deployment.State);
        Assert.Equal(0, deployment.WindowFailures);

        var other = await host.CreateAccountAsync(100_000_000, ct);
        var otherKey = await host.CreateKeyAsync(other.Id, ApiKeyLimits.None, ct);
        using var otherClient = host.CreateClient(otherKey.PlaintextKey);
        using var served = await otherClient.PostAsync(path, Json.Body(small), ct);
        Assert.Equal(200, (int)served.StatusCode);

        // Nothing was charged for the answers that were never delivered.
        Assert.Equal(100_000_000, await host.Store.GetBalanceAsync(greedy.Id, ct));
    }

    private DeploymentHealthView Deployment(string upstreamModel)
    {
        var registry = host.Services.GetRequiredService<HealthRegistry>();
        var snapshot = host.Services.GetRequiredService<SnapshotHolder>().Current;
        return registry.DescribeChannel(snapshot, "oa")!.Deployments.Single(d => d.UpstreamModel == upstreamModel);
    }
}
