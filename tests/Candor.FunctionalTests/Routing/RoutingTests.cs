using System.Text.Json;
using Candor.FunctionalTests.Infrastructure;

namespace Candor.FunctionalTests.Routing;

/// <summary>The router through the real server and emulated upstreams: cooldown and come-back, Retry-After,
/// no failover after the first byte, credential disable and re-enable, fail-fast when all are unhealthy.</summary>
public sealed class RoutingTests
{
    private const string Chat = "/v1/chat/completions";

    private static StringContent Body(string model, bool stream = false, string text = "hello") =>
        Json.Body($$"""{"model":"{{model}}","stream":{{(stream ? "true" : "false")}},"messages":[{"role":"user","content":"{{text}}"}]}""");

    private static string Channel(string id, string url, string extra = "") =>
        $"  - {{ id: {id}, provider: openai, base_url: {url}/v1, api_key_env: UPSTREAM_KEY{extra} }}\n";

    private static async Task<(int Status, string Channel, int Attempts, HttpResponseMessage Response)> PostAsync(HttpClient client, string model, CancellationToken ct)
    {
        var response = await client.PostAsync(Chat, Body(model), ct);
        await response.Content.LoadIntoBufferAsync(ct);
        string channel = response.Headers.TryGetValues("x-candor-channel", out var c) ? c.Single() : "-";
        int attempts = int.Parse(response.Headers.GetValues("x-candor-attempts").Single(), System.Globalization.CultureInfo.InvariantCulture);
        return ((int)response.StatusCode, channel, attempts, response);
    }

    [Fact]
    public async Task FailingDeployment_CoolsDown_AndComesBack()
    {
        await using var host = await RoutingHost.StartAsync(2, urls => $"""
            channels:
            {Channel("flaky", urls[0])}{Channel("good", urls[1])}
            models:
              - name: m
                deployments:
                  - {"{"} channel: flaky, model: gpt-4o-mini, priority: 0 {"}"}
                  - {"{"} channel: good, model: gpt-4o-mini, priority: 1 {"}"}
            routing:
              health: {"{"} min_requests: 2, failure_rate: 0.5, cooldown: 1s {"}"}
            """);
        var ct = Json.Timeout(30);
        using var client = host.CreateClient();
        var (flaky, good) = (host.Emulators[0], host.Emulators[1]);
        flaky.EnqueueFault("status=500", count: 2);

        for (int i = 0; i < 2; i++)
        {
            var r = await PostAsync(client, "m", ct);
            Assert.Equal((200, "good", 2), (r.Status, r.Channel, r.Attempts));
        }

        Assert.Equal("cooling_down", host.Deployment("flaky").State);
        Assert.Equal(1.0, host.Deployment("flaky").ErrorRate);

        // Cooling down: not even tried.
        var skipped = await PostAsync(client, "m", ct);
        Assert.Equal((200, "good", 1), (skipped.Status, skipped.Channel, skipped.Attempts));
        Assert.Equal(2, flaky.Journal.Count);

        // After the cooldown a trial request goes to it, succeeds, and the circuit closes.
        await Task.Delay(TimeSpan.FromSeconds(1.2), ct);
        var back = await PostAsync(client, "m", ct);
        Assert.Equal((200, "flaky", 1), (back.Status, back.Channel, back.Attempts));
        Assert.Equal(3, flaky.Journal.Count);
        var view = host.Deployment("flaky");
        Assert.Equal("healthy", view.State);
        Assert.NotNull(view.LatencyP50Ms);
        Assert.Equal(2, view.TotalFailures);
    }

    [Fact]
    public async Task RetryAfter_IsRespected_TheDeploymentIsNotRetriedBeforeIt()
    {
        await using var host = await RoutingHost.StartAsync(2, urls => $"""
            channels:
            {Channel("limited", urls[0])}{Channel("spare", urls[1])}
            models:
              - name: m
                deployments:
                  - {"{"} channel: limited, model: gpt-4o-mini, priority: 0 {"}"}
                  - {"{"} channel: spare, model: gpt-4o-mini, priority: 1 {"}"}
              - name: only
                deployments: [{"{"} channel: limited, model: gpt-4o-mini {"}"}]
            """);
        var ct = Json.Timeout(30);
        using var client = host.CreateClient();
        var limited = host.Emulators[0];
        limited.EnqueueFault("status=429;retry_after=2", count: 1);

        var first = await PostAsync(client, "m", ct);
        Assert.Equal((200, "spare", 2), (first.Status, first.Channel, first.Attempts));
        Assert.Equal("retry_after", host.Deployment("limited").State);

        var second = await PostAsync(client, "m", ct);
        Assert.Equal((200, "spare", 1), (second.Status, second.Channel, second.Attempts));

        // A model with no other deployment answers 429 at once, in the client's envelope, with the wait left.
        var refused = await PostAsync(client, "only", ct);
        Assert.Equal(429, refused.Status);
        Assert.Equal(0, refused.Attempts);
        Assert.InRange(refused.Response.Headers.RetryAfter!.Delta!.Value.TotalSeconds, 1, 2);
        var error = (await Json.ReadAsync(refused.Response, ct)).GetProperty("error");
        Assert.Equal("rate_limit_error", error.GetProperty("type").GetString());
        Assert.Contains("'only'", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(1, limited.Journal.Count);

        await Task.Delay(TimeSpan.FromSeconds(2.1), ct);
        var after = await PostAsync(client, "m", ct);
        Assert.Equal((200, "limited", 1), (after.Status, after.Channel, after.Attempts));
    }

    [Fact]
    public async Task FailureAfterTheFirstByte_IsNeverFailedOver()
    {
        await using var host = await RoutingHost.StartAsync(2, urls => $"""
            channels:
            {Channel("cut", urls[0])}{Channel("spare", urls[1])}
            models:
              - name: m
                deployments:
                  - {"{"} channel: cut, model: gpt-4o-mini, priority: 0 {"}"}
                  - {"{"} channel: spare, model: gpt-4o-mini, priority: 1 {"}"}
            """);
        var ct = Json.Timeout(30);
        using var client = host.CreateClient();
        host.Emulators[0].EnqueueFault("tokens=40;disconnect_after=4", count: 1);
        using var request = new HttpRequestMessage(HttpMethod.Post, Chat) { Content = Body("m", stream: true) };
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal("cut", response.Headers.GetValues("x-candor-channel").Single());
        Assert.Equal("1", response.Headers.GetValues("x-candor-attempts").Single());
        var events = await Sse.ReadAllAsync(response, ct);
        Assert.True(events.Count > 1);
        Assert.DoesNotContain(events, e => e.Data == "[DONE]");
        Assert.True(JsonDocument.Parse(events[^1].Data).RootElement.TryGetProperty("error", out _));
        Assert.Equal(0, host.Emulators[1].Journal.Count);

        // The broken stream still counts against the deployment.
        Assert.Equal(1, host.Deployment("cut").TotalFailures);
    }

    [Fact]
    public async Task RefusedCredential_DisablesTheChannel_AProbeReenablesIt()
    {
        await using var host = await RoutingHost.StartAsync(2, urls => $"""
            channels:
            {Channel("locked", urls[0])}{Channel("spare", urls[1])}
            models:
              - name: m
                deployments:
                  - {"{"} channel: locked, model: gpt-4o-mini, priority: 0 {"}"}
                  - {"{"} channel: spare, model: gpt-4o-mini, priority: 1 {"}"}
            routing:
              probes: {"{"} enabled: true, interval: 400ms, timeout: 2s {"}"}
            """);
        var ct = Json.Timeout(30);
        using var client = host.CreateClient();
        var locked = host.Emulators[0];

        // Every request (probes included) is refused until the queue runs dry.
        locked.EnqueueFault("status=401", count: 3);
        var first = await PostAsync(client, "m", ct);
        Assert.Equal((200, "spare", 2), (first.Status, first.Channel, first.Attempts));
        var channel = host.Health.DescribeChannel(host.Snapshot, "locked")!;
        Assert.False(channel.Enabled);
        Assert.Contains("credential", channel.DisabledReason, StringComparison.Ordinal);
        Assert.Equal("disabled", channel.Deployments[0].State);
        var second = await PostAsync(client, "m", ct);
        Assert.Equal((200, "spare", 1), (second.Status, second.Channel, second.Attempts));

        // Probes run every 400 ms; once the upstream accepts the credential again, one re-enables the channel.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (!host.Health.DescribeChannel(host.Snapshot, "locked")!.Enabled && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100, ct);
        }

        Assert.True(host.Health.DescribeChannel(host.Snapshot, "locked")!.Enabled);
        var back = await PostAsync(client, "m", ct);
        Assert.Equal((200, "locked", 1), (back.Status, back.Channel, back.Attempts));
    }

    [Fact]
    public async Task AdminEnable_ReenablesADisabledChannel()
    {
        await using var host = await RoutingHost.StartAsync(1, urls => $"""
            channels:
            {Channel("locked", urls[0])}
            models:
              - name: m
                deployments: [{"{"} channel: locked, model: gpt-4o-mini {"}"}]
            """);
        var ct = Json.Timeout(30);
        using var client = host.CreateClient();
        host.Emulators[0].EnqueueFault("status=403", count: 1);
        var refused = await PostAsync(client, "m", ct);
        Assert.Equal(502, refused.Status);
        var disabled = await PostAsync(client, "m", ct);
        Assert.Equal((503, 0), (disabled.Status, disabled.Attempts));
        Assert.Contains("disabled", (await Json.ReadAsync(disabled.Response, ct)).GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.True(host.Health.EnableChannel(host.Snapshot, "locked"));
        Assert.Equal(200, (await PostAsync(client, "m", ct)).Status);
    }

    [Fact]
    public async Task AllUnhealthy_FailFastAnswers503InEachSurfaceEnvelope_TryAnywayStillTries()
    {
        await using var host = await RoutingHost.StartAsync(1, urls => $"""
            channels:
            {Channel("down", urls[0] + "/x/status=500")}  - {"{"} id: down-an, provider: anthropic, base_url: {urls[0]}/x/status=500, api_key_env: UPSTREAM_KEY {"}"}
            models:
              - name: fast
                deployments: [{"{"} channel: down, model: gpt-4o-mini {"}"}]
              - name: anyway
                all_unhealthy: try_anyway
                deployments: [{"{"} channel: down-an, model: claude-sonnet-4-5 {"}"}]
            routing:
              health: {"{"} min_requests: 2, cooldown: 30s {"}"}
            """);
        var ct = Json.Timeout(30);
        using var client = host.CreateClient();
        for (int i = 0; i < 2; i++)
        {
            Assert.Equal(502, (await PostAsync(client, "fast", ct)).Status);
            Assert.Equal(502, (await PostAsync(client, "anyway", ct)).Status);
        }

        long upstreamCalls = host.Emulators[0].Journal.Count;
        var openai = await PostAsync(client, "fast", ct);
        Assert.Equal((503, 0), (openai.Status, openai.Attempts));
        Assert.InRange(openai.Response.Headers.RetryAfter!.Delta!.Value.TotalSeconds, 1, 30);
        var error = (await Json.ReadAsync(openai.Response, ct)).GetProperty("error");
        Assert.Contains("No healthy deployment for model 'fast'", error.GetProperty("message").GetString(), StringComparison.Ordinal);

        client.DefaultRequestHeaders.Add("anthropic-version", "2023-06-01");
        using var anthropic = await client.PostAsync("/v1/messages", Json.Body("""{"model":"fast","max_tokens":5,"messages":[{"role":"user","content":"hi"}]}"""), ct);
        Assert.Equal(503, (int)anthropic.StatusCode);
        var body = await Json.ReadAsync(anthropic, ct);
        Assert.Equal("error", body.GetProperty("type").GetString());
        Assert.Equal(upstreamCalls, host.Emulators[0].Journal.Count);

        // try_anyway: the cooling deployment is still tried.
        var tried = await PostAsync(client, "anyway", ct);
        Assert.Equal((502, 1), (tried.Status, tried.Attempts));
        Assert.Equal(upstreamCalls + 1, host.Emulators[0].Journal.Count);
    }

    [Fact]
    public async Task Deadline_StopsFailoverWhenItPasses()
    {
        await using var host = await RoutingHost.StartAsync(1, urls => $"""
            channels:
            {Channel("slow1", urls[0] + "/x/latency_ms=3000")}{Channel("slow2", urls[0] + "/x/latency_ms=3000")}{Channel("ok", urls[0])}
            models:
              - name: m
                deployments:
                  - {"{"} channel: slow1, model: gpt-4o-mini, priority: 0 {"}"}
                  - {"{"} channel: slow2, model: gpt-4o-mini, priority: 1 {"}"}
                  - {"{"} channel: ok, model: gpt-4o-mini, priority: 2 {"}"}
            routing:
              deadline: 700ms
            """);
        var ct = Json.Timeout(30);
        using var client = host.CreateClient();
        var started = System.Diagnostics.Stopwatch.StartNew();
        var r = await PostAsync(client, "m", ct);
        Assert.Equal(504, r.Status);
        Assert.Equal(1, r.Attempts);
        Assert.True(started.Elapsed < TimeSpan.FromSeconds(2.5), started.Elapsed.ToString());
    }

    [Fact]
    public async Task Deadline_CapsTheEmbeddingsFirstByteTimer()
    {
        // The channel's first-byte timeout is 120 s and the upstream answers after 3 s: only the deadline ends the wait.
        await using var host = await RoutingHost.StartAsync(1, urls => $"""
            channels:
            {Channel("slow", urls[0] + "/x/latency_ms=3000")}
            models:
              - name: e
                deployments:
                  - {"{"} channel: slow, model: text-embedding-3-small {"}"}
            routing:
              deadline: 700ms
            """);
        var ct = Json.Timeout(30);
        using var client = host.CreateClient();
        var started = System.Diagnostics.Stopwatch.StartNew();
        using var response = await client.PostAsync("/v1/embeddings", Json.Body("""{"model":"e","input":"a"}"""), ct);
        await response.Content.LoadIntoBufferAsync(ct);
        Assert.Equal(504, (int)response.StatusCode);
        Assert.Equal("1", response.Headers.GetValues("x-candor-attempts").Single());
        Assert.True(started.Elapsed < TimeSpan.FromSeconds(2.5), started.Elapsed.ToString());
    }
}
