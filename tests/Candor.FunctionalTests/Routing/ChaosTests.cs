using System.Collections.Concurrent;
using System.Text.Json;
using Candor.FunctionalTests.Infrastructure;
using Xunit.Abstractions;

namespace Candor.FunctionalTests.Routing;

/// <summary>Three emulated channels with random faults under bounded concurrent load: every request ends in a
/// success or a protocol-correct error, attempts stay within the budget, nothing is left in flight and no task
/// exception goes unobserved (the host checks the last two on dispose).</summary>
public sealed class ChaosTests(ITestOutputHelper output)
{
    private static readonly string[] Faults =
    [
        "status=500", "status=503", "status=429;retry_after=1", "status=529", "status=400",
        "tokens=30;disconnect_after=2", "tokens=30;malformed_sse", "wrong_content_type", "latency_ms=1500",
    ];

    [Fact]
    public async Task RandomFaultsUnderLoad_EveryRequestEndsCleanly()
    {
        await using var host = await RoutingHost.StartAsync(3, urls => $$"""
            server:
              max_attempts: 3
            channels:
              - { id: c1, provider: openai, base_url: {{urls[0]}}/v1, api_key_env: UPSTREAM_KEY, timeouts: { first_byte: 1s, idle: 1s } }
              - { id: c2, provider: anthropic, base_url: {{urls[1]}}, api_key_env: UPSTREAM_KEY, timeouts: { first_byte: 1s, idle: 1s } }
              - { id: c3, provider: openai, base_url: {{urls[2]}}/v1, api_key_env: UPSTREAM_KEY, timeouts: { first_byte: 1s, idle: 1s } }
            models:
              - name: m
                strategy: least_latency
                deployments:
                  - { channel: c1, model: gpt-4o-mini }
                  - { channel: c2, model: claude-sonnet-4-5 }
                  - { channel: c3, model: gpt-4o-mini, limits: { max_concurrency: 6 } }
            routing:
              deadline: 5s
              health: { min_requests: 5, failure_rate: 0.5, cooldown: 500ms, max_cooldown: 2s }
              probes: { enabled: true, interval: 1s, timeout: 1s }
            """);
        var random = new Random(42);
        foreach (var emulator in host.Emulators)
        {
            for (int i = 0; i < 150; i++)
            {
                emulator.EnqueueFault(random.NextDouble() < 0.3 ? Faults[random.Next(Faults.Length)] : "tokens=12");
            }
        }

        const int Requests = 200;
        var outcomes = new ConcurrentBag<string>();
        var failures = new ConcurrentBag<string>();
        var ct = Json.Timeout(120);
        using var client = host.CreateClient();
        int next = -1;
        var workers = Enumerable.Range(0, 20).Select(async _ =>
        {
            while (Interlocked.Increment(ref next) < Requests)
            {
                bool stream = (next % 2) == 0;
                try
                {
                    outcomes.Add(await OneAsync(client, stream, ct));
                }
                catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
                {
                    failures.Add($"{(stream ? "stream" : "whole")}: {e.GetType().Name}: {e.Message}");
                }
            }
        }).ToArray();
        await Task.WhenAll(workers);

        foreach (var group in outcomes.Select(static o => o.StartsWith("200", StringComparison.Ordinal) ? o : o[..Math.Min(o.Length, 60)]).GroupBy(static o => o).OrderBy(static g => g.Key, StringComparer.Ordinal))
        {
            output.WriteLine($"{group.Key}: {group.Count()}");
        }

        foreach (var channel in host.Health.Describe(host.Snapshot))
        {
            var d = channel.Deployments.Single();
            output.WriteLine($"{channel.ChannelId}: enabled={channel.Enabled} state={d.State} requests={d.TotalRequests} failures={d.TotalFailures} p50={d.LatencyP50Ms}");
        }

        Assert.Empty(failures);
        Assert.Equal(Requests, outcomes.Count);
        Assert.Contains(outcomes, o => o.StartsWith("200", StringComparison.Ordinal));
        Assert.Contains(outcomes, o => !o.StartsWith("200", StringComparison.Ordinal) || o.EndsWith("error-event", StringComparison.Ordinal));
    }

    /// <summary>Sends one request and checks that its ending is protocol-correct; returns "status kind".</summary>
    private static async Task<string> OneAsync(HttpClient client, bool stream, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
        {
            Content = Json.Body($$"""{"model":"m","stream":{{(stream ? "true" : "false")}},"messages":[{"role":"user","content":"Tell me something"}]}"""),
        };
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
        int status = (int)response.StatusCode;
        int attempts = int.Parse(response.Headers.GetValues("x-candor-attempts").Single(), System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(attempts, 0, 3);
        if (status != 200)
        {
            Assert.Contains(status, new[] { 400, 429, 502, 503, 504, 529 });
            Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
            var error = (await Json.ReadAsync(response, ct)).GetProperty("error");
            Assert.False(string.IsNullOrEmpty(error.GetProperty("message").GetString()));
            Assert.False(string.IsNullOrEmpty(error.GetProperty("type").GetString()));
            return $"{status} error {attempts} {error.GetProperty("message").GetString()}";
        }

        Assert.InRange(attempts, 1, 3);
        Assert.Contains(response.Headers.GetValues("x-candor-channel").Single(), new[] { "c1", "c2", "c3" });
        if (!stream)
        {
            var body = await Json.ReadAsync(response, ct);
            Assert.Equal("chat.completion", body.GetProperty("object").GetString());
            Assert.True(body.GetProperty("choices").GetArrayLength() > 0);
            return "200 whole";
        }

        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        var events = await Sse.ReadAllAsync(response, ct);
        Assert.NotEmpty(events);
        if (events[^1].Data == "[DONE]")
        {
            foreach (var e in events.SkipLast(1))
            {
                Assert.Equal("chat.completion.chunk", JsonDocument.Parse(e.Data).RootElement.GetProperty("object").GetString());
            }

            return "200 done";
        }

        // A failure after the first byte: the last event is an error chunk, and there is no [DONE].
        Assert.DoesNotContain(events, e => e.Data == "[DONE]");
        Assert.True(JsonDocument.Parse(events[^1].Data).RootElement.TryGetProperty("error", out var streamError));
        Assert.False(string.IsNullOrEmpty(streamError.GetProperty("message").GetString()));
        return "200 error-event";
    }
}
