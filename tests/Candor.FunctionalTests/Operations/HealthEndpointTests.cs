using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Candor.Core.Accounts;
using Candor.Core.Routing;
using Candor.FunctionalTests.Infrastructure;
using Candor.Storage;
using Candor.Transparency.Log;
using Microsoft.Data.Sqlite;

namespace Candor.FunctionalTests.Operations;

/// <summary><c>/livez</c>, <c>/readyz</c> and <c>/healthz</c> (docs/operations.md, "Health"): ready while the store takes
/// writes, unready (503) while another process holds its write lock, ready again once it is released; a public model
/// without a serving deployment makes it degraded, naming the model to a loopback peer; a transparency log whose
/// checkpoints stall makes it unready until they are written again, and one whose journal failed a write until restart.</summary>
public sealed class HealthEndpointTests
{
    [Fact]
    public async Task StoreLocked_ReadyzUnready_ThenReadyAgain()
    {
        var ct = Json.Timeout(90);
        await using var host = await CandorTestHost.Create()
            .OnSqlite("another connection holds the SQLite file's write lock")
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

    [Fact]
    public async Task LogStalled_ReadyzUnready_ThenReadyAgain()
    {
        var ct = Json.Timeout(120);
        var (node, key) = await StartWithBrokeKeyAsync(null, ct);
        await using var host = node;
        using var client = host.CreateClient();
        var log = host.Service<TileLog>();
        HttpStatusCode status;
        JsonElement body;

        // The tiles cannot be written (a file where their directory was): entries are journaled, no checkpoint covers them.
        string tiles = Path.Combine(host.DataDirectory, "log", "tile");
        string aside = tiles + ".aside";
        bool existed = Directory.Exists(tiles);
        if (existed)
        {
            Directory.Move(tiles, aside);
        }

        await File.WriteAllTextAsync(tiles, "not a directory", ct);
        try
        {
            // Refused for the balance, with a receipt the log must cover.
            long before = log.AppendedCount;
            var refused = await host.SendAsync(key.PlaintextKey, HttpMethod.Post, "/v1/chat/completions",
                """{"model":"lg-m","messages":[{"role":"user","content":"x"}]}""", ct);
            Assert.True(refused.Status == 429, refused.Text);
            while (log.AppendedCount == before)
            {
                await Task.Delay(50, ct);
            }

            // Unready once the oldest uncovered entry waits beyond max(10 s, 10 × the merge delay).
            var started = Stopwatch.GetTimestamp();
            do
            {
                await Task.Delay(500, ct);
                (status, body) = await ReadyAsync(client, ct);
            }
            while (status == HttpStatusCode.OK && Stopwatch.GetElapsedTime(started) < TimeSpan.FromSeconds(30));

            Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
            Assert.Equal("unready", body.GetProperty("status").GetString());
            Assert.Equal("stalled", body.GetProperty("checks").GetProperty("transparency_log").GetString());
            Assert.Equal("ok", body.GetProperty("checks").GetProperty("store").GetString());
            Assert.True(Stopwatch.GetElapsedTime(started) > TimeSpan.FromSeconds(9), "unready before the stall threshold");
        }
        finally
        {
            File.Delete(tiles);
            if (existed)
            {
                Directory.Move(aside, tiles);
            }
        }

        // The sequencer retries by itself: the entry is covered and the node is ready again.
        var restored = Stopwatch.GetTimestamp();
        do
        {
            await Task.Delay(200, ct);
            (status, body) = await ReadyAsync(client, ct);
        }
        while (status != HttpStatusCode.OK && Stopwatch.GetElapsedTime(restored) < TimeSpan.FromSeconds(20));

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("ready", body.GetProperty("status").GetString());
        Assert.Equal("ok", body.GetProperty("checks").GetProperty("transparency_log").GetString());
        Assert.Equal(log.AppendedCount, log.Size);
    }

    [Fact]
    public async Task LogJournalFails_ReadyzUnready()
    {
        var ct = Json.Timeout(90);
        var (node, key) = await StartWithBrokeKeyAsync(static data =>
        {
            // Every write to the entry journal fails with ENOSPC: /dev/full stands in for it.
            string log = Path.Combine(data, "log");
            Directory.CreateDirectory(log);
            File.CreateSymbolicLink(Path.Combine(log, "entries.journal"), "/dev/full");
        }, ct);
        await using var host = node;
        using var client = host.CreateClient();

        // A request whose receipt must be logged: the journal's write fails, and it refuses every append after it.
        var refused = await host.SendAsync(key.PlaintextKey, HttpMethod.Post, "/v1/chat/completions",
            """{"model":"lg-m","messages":[{"role":"user","content":"x"}]}""", ct);
        Assert.True(refused.Status >= 400, refused.Text);
        var log = host.Service<TileLog>();
        while (!log.AppendsRefused)
        {
            await Task.Delay(50, ct);
        }

        var (status, body) = await ReadyAsync(client, ct);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        Assert.Equal("unready", body.GetProperty("status").GetString());
        Assert.Equal("failing", body.GetProperty("checks").GetProperty("transparency_log").GetString());
        Assert.Equal("ok", body.GetProperty("checks").GetProperty("store").GetString());
    }

    /// <summary>A node whose log merges within 200 ms, ready with its log ok, and a stored key of an account without
    /// balance: each request it sends is refused at the reservation with a receipt the log must take.</summary>
    private static async Task<(CandorTestHost Host, CreatedApiKey Key)> StartWithBrokeKeyAsync(Action<string>? beforeStart, CancellationToken ct)
    {
        var host = await CandorTestHost.Create()
            .OnSqlite(Candor.FunctionalTests.Transparency.LogHost.FileLog)
            .Bootstrap()
            .BeforeStart(beforeStart)
            .Yaml("""
                server:
                  data_dir: data
                  log_max_merge_delay: 200ms
                channels:
                  - { id: lg-oa, provider: openai, base_url: "{{emu}}/v1", api_key_env: UPSTREAM_KEY }
                models:
                  - { name: lg-m, deployments: [{ channel: lg-oa, model: gpt-4o-mini }] }
                """)
            .StartAsync(ct);
        var store = host.Service<RelationalStore>();
        var account = await store.CreateAccountAsync("broke", Account.DefaultGroup, ct);
        var key = await store.CreateKeyAsync(account.Id, "k", ApiKeyLimits.None, isOperator: false, ct);
        await host.Service<ApiKeyCache>().RefreshAsync(ct);
        using var client = host.CreateClient();
        var (status, body) = await ReadyAsync(client, ct);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("ok", body.GetProperty("checks").GetProperty("transparency_log").GetString());
        return (host, key!);
    }

    private static async Task<(HttpStatusCode Status, JsonElement Body)> ReadyAsync(HttpClient client, CancellationToken ct)
    {
        using var response = await client.GetAsync("/readyz", ct);
        return (response.StatusCode, await Json.ReadAsync(response, ct));
    }
}
