using Candor.Core.Accounts;
using Candor.Core.Admission;
using Candor.Server.Surfaces;
using Candor.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace Candor.FunctionalTests.Infrastructure;

/// <summary>The test host itself: its directory is private and goes at dispose, and its leak checks fail the dispose
/// when something is left held (each check shown to fail, so a host that passes them has really been checked).</summary>
public sealed class CandorTestHostTests
{
    private const string Key = "sk-host-test-0123456789abcdefgh";

    private static CandorTestHost.Builder Builder() => CandorTestHost.Create()
        .Prefix("candor-hosttest-")
        .Env("CLIENT_KEY", Key)
        .Yaml("""
            server: { data_dir: data }
            channels:
              - { id: oa, provider: openai, base_url: "{{emu}}/v1", api_key_env: UPSTREAM_KEY }
            models:
              - { name: m-openai, deployments: [{ channel: oa, model: gpt-4o-mini }] }
            keys:
              - { name: config, key_env: CLIENT_KEY }
            """);

    [Fact]
    public async Task Directory_IsPrivate_ServesTheYaml_AndIsDeletedAtDispose()
    {
        var ct = Json.Timeout();
        var host = await Builder().StartAsync(ct);
        string directory = host.Directory;
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(directory));
        }

        Assert.Contains(host.Emulator.BaseAddress.ToString().TrimEnd('/') + "/v1", await File.ReadAllTextAsync(host.ConfigPath, ct), StringComparison.Ordinal);
        using (var client = host.CreateClient(Key))
        {
            using var response = await client.PostAsync("/v1/chat/completions", Json.Body("""{"model":"m-openai","messages":[{"role":"user","content":"hi"}]}"""), ct);
            Assert.Equal(200, (int)response.StatusCode);
        }

        Assert.StartsWith("sk-", host.OperatorKey, StringComparison.Ordinal);
        await host.DisposeAsync();
        Assert.False(Directory.Exists(directory));
    }

    [Fact]
    public async Task HeldReservation_FailsTheDispose()
    {
        var ct = Json.Timeout();
        var host = await Builder().OnSqlite("a reservation held in the node's book; on PostgreSQL reservations are rows of the database").StartAsync(ct);
        var record = await StoredKeyAsync(host, ct);
        var held = await host.Service<BillingBook>().TryReserveAsync(record, 1_000, ct);
        Assert.NotNull(held);
        await AssertDisposeReportsAsync(host, "Reserved = 1000", ct);
    }

    [Fact]
    public async Task HeldConcurrencySlot_FailsTheDispose()
    {
        var ct = Json.Timeout();
        var host = await Builder().StartAsync(ct);
        var record = await StoredKeyAsync(host, ct);
        Assert.True(host.Service<RateLimiter>().TryAcquire(record.Id, new RateLimits(null, null, 2), 0).Allowed);
        await AssertDisposeReportsAsync(host, "key concurrency", ct);
    }

    [Fact]
    public async Task HeldNodeSlot_FailsTheDispose()
    {
        var ct = Json.Timeout();
        var host = await Builder().StartAsync(ct);
        Assert.True(host.Service<NodeAdmission>().TryEnter());
        await AssertDisposeReportsAsync(host, "node admission holds 1 request(s)", ct);
    }

    private static async Task AssertDisposeReportsAsync(CandorTestHost host, string leak, CancellationToken ct)
    {
        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => host.DisposeAsync().AsTask()).WaitAsync(ct);
        Assert.Contains(leak, e.Message, StringComparison.Ordinal);
    }

    private static async Task<ApiKeyRecord> StoredKeyAsync(CandorTestHost host, CancellationToken ct)
    {
        var store = host.Service<RelationalStore>();
        var account = await store.CreateAccountAsync("leak", Account.DefaultGroup, ct);
        await store.TopUpAsync(account.Id, 1_000_000, "test", ct);
        var key = await store.CreateKeyAsync(account.Id, "k", ApiKeyLimits.None, isOperator: false, ct);
        await host.Services.GetRequiredService<ApiKeyCache>().RefreshAsync(ct);
        return key!.Record;
    }
}
