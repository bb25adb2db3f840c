using System.Net;
using Candor.FunctionalTests.Infrastructure;

namespace Candor.FunctionalTests.Operations;

/// <summary>The gauges of requests in flight and open streams on <c>/metrics</c> (docs/operations.md, "Metrics"): one
/// while a stream is open, zero once it ends. Gauges without labels are per process, and the exporter keeps one value
/// per series when several hosts of this test process register them: this class runs alone.</summary>
[Collection(StreamGaugeCollection.Name)]
public sealed class StreamGaugeTests
{
    private const string ConfigKey = "sk-gauges-config-0123456789abcdef";

    [Fact]
    public async Task OpenStream_ShowsInTheInFlightAndOpenStreamGauges()
    {
        var ct = Json.Timeout(120);
        await using var host = await CandorTestHost.Create()
            .Env("CLIENT_KEY", ConfigKey)
            .Yaml("""
                channels:
                  - { id: ms-slow, provider: openai, base_url: "{{emu}}/x/chunk_ms=200;tokens=400/v1", api_key_env: UPSTREAM_KEY }
                models:
                  - { name: ms-slow, deployments: [{ channel: ms-slow, model: gpt-4o-mini }] }
                keys:
                  - { name: config, key_env: CLIENT_KEY }
                """)
            .StartAsync(ct);
        using var client = host.CreateClient(ConfigKey);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
        {
            Content = new StringContent("""{"model":"ms-slow","stream":true,"messages":[{"role":"user","content":"x"}]}""", System.Text.Encoding.UTF8, "application/json"),
        };
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        string text = await MetricsTests.ScrapeAsync(host, ct);
        Assert.True(PrometheusText.Sum(text, "candor_streams_open") == 1, text);
        Assert.True(PrometheusText.Sum(text, "candor_requests_in_flight") == 1, text);

        // The stream ends (the client leaves): both gauges read zero again.
        response.Dispose();
        while (PrometheusText.Sum(text, "candor_streams_open") != 0 || PrometheusText.Sum(text, "candor_requests_in_flight") != 0)
        {
            await Task.Delay(100, ct);
            text = await MetricsTests.ScrapeAsync(host, ct);
        }
    }
}

/// <summary>Runs <see cref="StreamGaugeTests"/> after the parallel collections, alone.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class StreamGaugeCollection
{
    public const string Name = "metrics gauges, alone";
}
