using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Candor.Core.Routing;
using Candor.FunctionalTests.Infrastructure;
using Candor.Storage;
using Microsoft.Data.Sqlite;

namespace Candor.FunctionalTests.Operations;

/// <summary><c>/livez</c>, <c>/readyz</c> and <c>/healthz</c> (docs/operations.md, "Health"): ready while the store takes
/// writes, unready (503) while another process holds its write lock, ready again once it is released; a public model
/// without a serving deployment makes it degraded, naming the model to a loopback peer.</summary>
public sealed class HealthEndpointTests
{
    [Fact]
    public async Task StoreLocked_ReadyzUnready_ThenReadyAgain()
    {
        var ct = Json.Timeout(90);
        await using var host = await CandorTestHost.Create()
            .Bootstrap()
            .Yaml("""
                server:
                  data_dir: data
                channels:
                  - { id: rz-oa, provider: openai, base_url: "{{emu}}/v1", api_key_env: UPSTREAM_KEY }
                  - { id: rz-off, provider: openai, base_url: "{{emu}}/v1", api_key_env: UPSTREAM_KEY }
                models:
                  - { name: rz-ok, deployments: [{ channel: rz-oa, model: gpt-4o-mini }] }
                  - { name: rz-lonely, deployments: [{ channel: rz-off, model: gpt-4o-mini }] }
                """)
            .StartAsync(ct);
        using var client = host.CreateClient();

        using (var live = await client.GetAsync("/livez", ct))
        {
            Assert.Equal(HttpStatusCode.OK, live.StatusCode);
            Assert.Equal("ok", await live.Content.ReadAsStringAsync(ct));
        }

        using (var healthz = await client.GetAsync("/healthz", ct))
        {
            Assert.Equal("ok", await healthz.Content.ReadAsStringAsync(ct));
        }

        var (status, body) = await ReadyAsync(client, ct);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("ready", body.GetProperty("status").GetString());
        Assert.Equal("ok", body.GetProperty("checks").GetProperty("store").GetString());
        Assert.Equal("ok", body.GetProperty("checks").GetProperty("transparency_log").GetString());

        // Another process holds the database's write lock: the probe write cannot commit.
        var locker = new SqliteConnection($"Data Source={host.Service<SqliteStore>().DatabasePath};Pooling=False");
        await locker.OpenAsync(ct);
        try
        {
            using (var begin = locker.CreateCommand())
            {
                begin.CommandText = "BEGIN IMMEDIATE";
                await begin.ExecuteNonQueryAsync(ct);
            }

            await Task.Delay(1100, ct); // past the reuse of the last probe's result
            var started = Stopwatch.GetTimestamp();
            (status, body) = await ReadyAsync(client, ct);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
            Assert.Equal("unready", body.GetProperty("status").GetString());
            Assert.Equal("failing", body.GetProperty("checks").GetProperty("store").GetString());
            Assert.True(Stopwatch.GetElapsedTime(started) < TimeSpan.FromSeconds(4), $"readyz took {Stopwatch.GetElapsedTime(started)}");
        }
        finally
        {
            await locker.DisposeAsync();
        }

        // Released: ready again within a few probes.
        var deadline = Stopwatch.GetTimestamp();
        do
        {
            await Task.Delay(500, ct);
            (status, body) = await ReadyAsync(client, ct);
        }
        while (status != HttpStatusCode.OK && Stopwatch.GetElapsedTime(deadline) < TimeSpan.FromSeconds(20));

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("ready", body.GetProperty("status").GetString());

        // A model whose only channel is disabled: degraded, still 200, and named to a loopback peer.
        Assert.True(host.Service<HealthRegistry>().DisableChannel(host.Service<SnapshotHolder>().Current, "rz-off", "test"));
        await Task.Delay(1100, ct);
        (status, body) = await ReadyAsync(client, ct);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("degraded", body.GetProperty("status").GetString());
        Assert.Equal(1, body.GetProperty("models_without_healthy_deployment").GetInt32());
        Assert.Equal("rz-lonely", Assert.Single(body.GetProperty("unserved_models").EnumerateArray()).GetString());
    }

    private static async Task<(HttpStatusCode Status, JsonElement Body)> ReadyAsync(HttpClient client, CancellationToken ct)
    {
        using var response = await client.GetAsync("/readyz", ct);
        return (response.StatusCode, await Json.ReadAsync(response, ct));
    }
}
