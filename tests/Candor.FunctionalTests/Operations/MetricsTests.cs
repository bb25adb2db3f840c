using System.Net;
using Candor.Core.Accounts;
using Candor.FunctionalTests.Infrastructure;
using Candor.Storage;

namespace Candor.FunctionalTests.Operations;

/// <summary>The Prometheus endpoint (docs/operations.md, "Metrics"): after traffic on every surface, fast and translated,
/// plain and streamed, its series hold the right counts, tokens and spend; no label holds a request path, a model name
/// the client made up, a key or content; a peer outside <c>telemetry.metrics_allow</c> gets 404. Model and channel names
/// are unique to this test, since every host in the process shares the meters.</summary>
public sealed class MetricsTests
{
    private const string ConfigKey = "sk-metrics-config-0123456789abcdef";

    [Fact]
    public async Task AfterTraffic_SeriesHoldTheRightValues_AndNoPathKeyOrContentInLabels()
    {
        var ct = Json.Timeout(120);
        await using var host = await CandorTestHost.Create()
            .Bootstrap()
            .Env("CLIENT_KEY", ConfigKey)
            .Yaml("""
                server:
                  data_dir: data
                  trusted_proxies: [127.0.0.1]
                channels:
                  - { id: mx-oa, provider: openai, base_url: "{{emu}}/v1", api_key_env: UPSTREAM_KEY }
                  - { id: mx-an, provider: anthropic, base_url: "{{emu}}", api_key_env: UPSTREAM_KEY }
                models:
                  - { name: mx-fast, deployments: [{ channel: mx-oa, model: gpt-4o-mini }] }
                  - { name: mx-translated, deployments: [{ channel: mx-an, model: claude-sonnet-4-5 }] }
                keys:
                  - { name: config, key_env: CLIENT_KEY }
                """)
            .StartAsync(ct);

        var store = host.Service<RelationalStore>();
        var account = await store.CreateAccountAsync("metrics", Account.DefaultGroup, ct);
        await store.TopUpAsync(account.Id, 100_000_000, "test", ct);
        var key = await store.CreateKeyAsync(account.Id, "k", ApiKeyLimits.None, isOperator: false, ct);
        await host.Service<ApiKeyCache>().RefreshAsync(ct);
        string secret = key!.PlaintextKey;
        string marker = $"metrics-content-{Guid.NewGuid():N}";

        // Two fast-path answers, one translated stream, one Gemini call with the key in the query, one unknown model.
        for (int i = 0; i < 2; i++)
        {
            var (status, text) = await host.SendAsync(secret, HttpMethod.Post, "/v1/chat/completions",
                $$"""{"model":"mx-fast","messages":[{"role":"user","content":"{{marker}}"}]}""", ct);
            Assert.True(status == 200, text);
        }

        var stream = await host.SendAsync(secret, HttpMethod.Post, "/v1/chat/completions",
            $$"""{"model":"mx-translated","stream":true,"messages":[{"role":"user","content":"{{marker}}"}]}""", ct);
        Assert.True(stream.Status == 200, stream.Text);
        var gemini = await host.SendAsync(null, HttpMethod.Post, $"/v1beta/models/mx-fast:generateContent?key={secret}",
            $$"""{"contents":[{"role":"user","parts":[{"text":"{{marker}}"}]}]}""", ct);
        Assert.True(gemini.Status == 200, gemini.Text);
        var unknown = await host.SendAsync(ConfigKey, HttpMethod.Post, "/v1/chat/completions",
            $$"""{"model":"mx-made-up-{{marker}}","messages":[{"role":"user","content":"x"}]}""", ct);
        Assert.Equal(404, unknown.Status);

        string text2 = await ScrapeAsync(host, ct);

        // Requests by surface, public model, channel, status and path.
        Assert.Equal(2, PrometheusText.Sum(text2, "candor_requests_total", ("surface", "openai"), ("operation", "chat"), ("model", "mx-fast"), ("channel", "mx-oa"), ("status", "200"), ("path", "fast")));
        Assert.Equal(1, PrometheusText.Sum(text2, "candor_requests_total", ("surface", "openai"), ("model", "mx-translated"), ("channel", "mx-an"), ("status", "200"), ("path", "translated")));
        Assert.Equal(1, PrometheusText.Sum(text2, "candor_requests_total", ("surface", "gemini"), ("model", "mx-fast"), ("channel", "mx-oa"), ("status", "200"), ("path", "translated")));
        Assert.True(PrometheusText.Sum(text2, "candor_requests_total", ("model", "(unknown)"), ("status", "404")) >= 1);

        // Latency, first byte and upstream histograms counted each answered request.
        Assert.Equal(2, PrometheusText.Sum(text2, "candor_request_duration_seconds_count", ("model", "mx-fast"), ("surface", "openai")));
        Assert.Equal(1, PrometheusText.Sum(text2, "candor_request_time_to_first_byte_seconds_count", ("model", "mx-translated")));
        Assert.Equal(3, PrometheusText.Sum(text2, "candor_upstream_duration_seconds_count", ("model", "mx-fast")));

        // Tokens and spend are those of the ledger.
        var usage = (await store.ListUsageAsync(account.Id, null, 100, null, ct)).Items;
        Assert.Equal(4, usage.Count);
        Assert.Equal(usage.Sum(static u => (double)u.ChargeMicros),
            PrometheusText.Sum(text2, "candor_spend_total", ("model", "mx-fast")) + PrometheusText.Sum(text2, "candor_spend_total", ("model", "mx-translated")));
        Assert.True(usage.Sum(static u => u.ChargeMicros) > 0);
        Assert.Equal(usage.Sum(static u => (double)(u.ReportedInputTokens ?? 0)),
            PrometheusText.Sum(text2, "candor_tokens_total", ("model", "mx-fast"), ("direction", "input"))
            + PrometheusText.Sum(text2, "candor_tokens_total", ("model", "mx-translated"), ("direction", "input")));
        Assert.Equal(usage.Sum(static u => (double)(u.ReportedOutputTokens ?? 0)),
            PrometheusText.Sum(text2, "candor_tokens_total", ("model", "mx-fast"), ("direction", "output"))
            + PrometheusText.Sum(text2, "candor_tokens_total", ("model", "mx-translated"), ("direction", "output")));

        // State gauges and storage series exist.
        Assert.Equal(1, PrometheusText.Sum(text2, "candor_routing_deployments", ("channel", "mx-oa"), ("state", "healthy")));
        Assert.Equal(0, PrometheusText.Sum(text2, "candor_channels_quarantined", ("channel", "mx-oa")));
        Assert.Contains(PrometheusText.Samples(text2), static s => s.Name == "candor_requests_in_flight");
        Assert.Contains(PrometheusText.Samples(text2), static s => s.Name == "candor_streams_open");
        Assert.True(PrometheusText.Sum(text2, "candor_store_group_commit_batch_size_count") >= 1);
        Assert.True(PrometheusText.Sum(text2, "candor_store_group_commit_duration_seconds_count", ("result", "committed")) >= 1);
        Assert.True(PrometheusText.Sum(text2, "candor_receipts_signed_total") >= 5);
        Assert.Contains(PrometheusText.Samples(text2), static s => s.Name == "candor_transparency_log_size");

        // No label value is a path, a key, content or a client's model name.
        foreach (var (name, labels, _) in PrometheusText.Samples(text2))
        {
            foreach (var (label, value) in labels)
            {
                Assert.DoesNotContain("/", value.Replace("/log", "", StringComparison.Ordinal), StringComparison.Ordinal);
                Assert.DoesNotContain(marker, value, StringComparison.Ordinal);
                Assert.DoesNotContain("sk-", value, StringComparison.Ordinal);
            }
        }

        Assert.DoesNotContain(secret, text2, StringComparison.Ordinal);
        Assert.DoesNotContain(ConfigKey, text2, StringComparison.Ordinal);
        Assert.DoesNotContain(marker, text2, StringComparison.Ordinal);
        Assert.DoesNotContain("generateContent", text2, StringComparison.Ordinal);

        // A peer outside metrics_allow (here a client named by the trusted proxy) gets 404.
        using var outsider = host.CreateClient();
        outsider.DefaultRequestHeaders.Add("X-Forwarded-For", "203.0.113.9");
        using var refused = await outsider.GetAsync("/metrics", ct);
        Assert.Equal(HttpStatusCode.NotFound, refused.StatusCode);
    }

    [Fact]
    public async Task EmbeddingsAndTokenCounts_AreCountedByOperation_WithConfiguredNamesOnly()
    {
        var ct = Json.Timeout(120);
        await using var host = await CandorTestHost.Create()
            .Env("CLIENT_KEY", ConfigKey)
            .Yaml("""
                channels:
                  - { id: mo-oa, provider: openai, base_url: "{{emu}}/v1", api_key_env: UPSTREAM_KEY }
                  - { id: mo-an, provider: anthropic, base_url: "{{emu}}", api_key_env: UPSTREAM_KEY }
                models:
                  - { name: mo-embed, deployments: [{ channel: mo-oa, model: text-embedding-3-small }] }
                  - { name: mo-count, deployments: [{ channel: mo-an, model: claude-sonnet-4-5 }] }
                keys:
                  - { name: config, key_env: CLIENT_KEY }
                """)
            .StartAsync(ct);
        string marker = $"metrics-aux-{Guid.NewGuid():N}";

        for (int i = 0; i < 2; i++)
        {
            var embedded = await host.SendAsync(ConfigKey, HttpMethod.Post, "/v1/embeddings", $$"""{"model":"mo-embed","input":["{{marker}}"]}""", ct);
            Assert.True(embedded.Status == 200, embedded.Text);
        }

        var counted = await host.SendAsync(ConfigKey, HttpMethod.Post, "/v1/messages/count_tokens",
            $$"""{"model":"mo-count","messages":[{"role":"user","content":"{{marker}}"}]}""", ct);
        Assert.True(counted.Status == 200, counted.Text);
        var geminiCount = await host.SendAsync(null, HttpMethod.Post, $"/v1beta/models/mo-count:countTokens?key={ConfigKey}",
            $$"""{"contents":[{"role":"user","parts":[{"text":"{{marker}}"}]}]}""", ct);
        Assert.True(geminiCount.Status == 200, geminiCount.Text);
        var unknown = await host.SendAsync(ConfigKey, HttpMethod.Post, "/v1/embeddings", $$"""{"model":"mo-made-up-{{marker}}","input":"x"}""", ct);
        Assert.Equal(404, unknown.Status);

        string text = await ScrapeAsync(host, ct);
        Assert.Equal(2, PrometheusText.Sum(text, "candor_requests_total", ("surface", "openai"), ("operation", "embeddings"), ("model", "mo-embed"), ("channel", "mo-oa"), ("status", "200"), ("path", "translated")));
        Assert.Equal(1, PrometheusText.Sum(text, "candor_requests_total", ("surface", "anthropic"), ("operation", "count_tokens"), ("model", "mo-count"), ("channel", "mo-an"), ("status", "200")));
        Assert.Equal(1, PrometheusText.Sum(text, "candor_requests_total", ("surface", "gemini"), ("operation", "count_tokens"), ("model", "mo-count"), ("channel", "mo-an"), ("status", "200")));
        Assert.Equal(0, PrometheusText.Sum(text, "candor_requests_total", ("operation", "chat"), ("model", "mo-embed")));
        Assert.True(PrometheusText.Sum(text, "candor_requests_total", ("operation", "embeddings"), ("model", "(unknown)"), ("status", "404")) >= 1);
        Assert.Equal(2, PrometheusText.Sum(text, "candor_request_duration_seconds_count", ("operation", "embeddings"), ("model", "mo-embed")));
        Assert.Equal(2, PrometheusText.Sum(text, "candor_upstream_duration_seconds_count", ("model", "mo-embed"), ("channel", "mo-oa")));
        Assert.Equal(2, PrometheusText.Sum(text, "candor_upstream_duration_seconds_count", ("model", "mo-count"), ("channel", "mo-an")));
        Assert.DoesNotContain(marker, text, StringComparison.Ordinal);
        Assert.DoesNotContain(ConfigKey, text, StringComparison.Ordinal);
        Assert.DoesNotContain("countTokens", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RefusedReservation_AndPublishedCheckpoint_AreRecorded()
    {
        var ct = Json.Timeout(120);
        await using var host = await CandorTestHost.Create()
            .Bootstrap()
            .Yaml("""
                server:
                  data_dir: data
                  log_max_merge_delay: 200ms
                channels:
                  - { id: mr-oa, provider: openai, base_url: "{{emu}}/v1", api_key_env: UPSTREAM_KEY }
                models:
                  - { name: mr-fast, deployments: [{ channel: mr-oa, model: gpt-4o-mini }] }
                """)
            .StartAsync(ct);
        var store = host.Service<RelationalStore>();
        var account = await store.CreateAccountAsync("broke", Account.DefaultGroup, ct);
        var key = await store.CreateKeyAsync(account.Id, "k", ApiKeyLimits.None, isOperator: false, ct);
        await host.Service<ApiKeyCache>().RefreshAsync(ct);

        // No balance: refused at the reservation, with a receipt that the log then covers.
        var refused = await host.SendAsync(key!.PlaintextKey, HttpMethod.Post, "/v1/chat/completions",
            """{"model":"mr-fast","messages":[{"role":"user","content":"x"}]}""", ct);
        Assert.True(refused.Status == 429, refused.Text);

        string text = await ScrapeAsync(host, ct);
        Assert.Equal(1, PrometheusText.Sum(text, "candor_billing_reservation_failures_total", ("model", "mr-fast")));
        Assert.Equal(1, PrometheusText.Sum(text, "candor_requests_total", ("model", "mr-fast"), ("status", "429")));
        while (PrometheusText.Sum(text, "candor_transparency_merge_delay_seconds_count") < 1 || PrometheusText.Sum(text, "candor_transparency_log_size") < 1)
        {
            await Task.Delay(100, ct);
            text = await ScrapeAsync(host, ct);
        }
    }

    internal static async Task<string> ScrapeAsync(CandorTestHost host, CancellationToken ct)
    {
        using var client = host.CreateClient();
        using var response = await client.GetAsync("/metrics", ct);
        string text = await response.Content.ReadAsStringAsync(ct);
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        return text;
    }
}
