using System.Net;
using System.Text;
using System.Text.Json;

namespace Candor.FunctionalTests.Audit;

/// <summary>With a data directory a quarantine outlives the process: a restarted Candor keeps the dishonest channel
/// off client traffic before any new audit round, and a quarantine an operator lifted stays lifted.</summary>
public sealed class QuarantineRestartTests() : AuditHost(AuditYaml.Config(
    [AuditYaml.Trusted, AuditYaml.OpenAi("renamed", "x/report_model=gpt-4o-mini/")],
    [AuditYaml.Model("m-renamed", "renamed")],
    [AuditYaml.Target("renamed")]))
{
    private const string Body = """{"model":"m-renamed","messages":[{"role":"user","content":"hi"}]}""";

    [Fact]
    public async Task Quarantine_SurvivesARestart_AndALiftStaysLifted()
    {
        await NextIntervalAsync();
        Assert.True(Quarantine.IsQuarantined("renamed"));

        await RestartAsync();
        Assert.True(Quarantine.IsQuarantined("renamed"));
        Assert.Equal("reported_model", await QuarantinedTestAsync("renamed"));
        long before = Emulator.Journal.Count;
        using (var client = Client(ClientKey))
        using (var refused = await client.PostAsync("v1/chat/completions", new StringContent(Body, Encoding.UTF8, "application/json")))
        {
            Assert.Equal(HttpStatusCode.BadGateway, refused.StatusCode);
        }

        Assert.Equal(before, Emulator.Journal.Count); // nothing reached the quarantined channel

        using (var admin = Client(OperatorKey))
        using (var lifted = await admin.DeleteAsync("admin/v1/audit/quarantine/renamed"))
        {
            Assert.Equal(HttpStatusCode.NoContent, lifted.StatusCode);
        }

        await RestartAsync();
        Assert.False(Quarantine.IsQuarantined("renamed"));
        Assert.Null(await QuarantinedTestAsync("renamed"));
        using (var client = Client(ClientKey))
        using (var served = await client.PostAsync("v1/chat/completions", new StringContent(Body, Encoding.UTF8, "application/json")))
        {
            Assert.Equal(HttpStatusCode.OK, served.StatusCode);
        }
    }

    private async Task<string?> QuarantinedTestAsync(string channel)
    {
        using var admin = Client(OperatorKey);
        var root = JsonDocument.Parse(await admin.GetStringAsync("admin/v1/audit")).RootElement;
        return root.GetProperty("quarantined").EnumerateArray()
            .Where(q => q.GetProperty("channel").GetString() == channel)
            .Select(static q => q.GetProperty("test").GetString())
            .FirstOrDefault();
    }
}
