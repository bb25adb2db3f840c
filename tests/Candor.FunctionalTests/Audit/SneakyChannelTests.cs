using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Candor.Core.Audit;
using Candor.Core.Receipts;
using Xunit.Abstractions;

namespace Candor.FunctionalTests.Audit;

/// <summary>An upstream that answers every prompt it recognises (any it has seen before, as a repeated or public canary
/// is) with the claimed model and serves a cheaper one for 20 % of new requests (emulator <c>spare_seen</c> with
/// <c>mix_rate=0.2</c>): fresh generated probes each round and evidence accumulated over rounds quarantine it, while the
/// honest channel beside it is never quarantined. Then: a client request routed around it says so on its receipt, and a
/// lifted quarantine holds until new evidence.</summary>
public sealed class SneakyChannelTests(SneakyChannelTests.Host host, ITestOutputHelper output) : IClassFixture<SneakyChannelTests.Host>
{
    /// <summary>Intervals within which the 20 % mix must be quarantined (default repeats: 50 probes a round; in the seeded
    /// simulation, SequentialEvidenceTests, the median is 30 rounds and 17 of 20 channels are caught within 60).</summary>
    public const int StatedIntervals = 60;

    public sealed class Host() : AuditHost(AuditYaml.Config(
        [
            AuditYaml.Trusted, AuditYaml.OpenAi("honest"), AuditYaml.OpenAi("sneaky", "x/mix_model=cheaper;mix_rate=0.2;spare_seen/"),
            AuditYaml.OpenAi("liar", "x/serve_model=cheaper/"),
        ],
        ["{ name: m-sneaky, deployments: [{ channel: sneaky, model: gpt-4o }, { channel: trusted, model: gpt-4o }] }"],
        [AuditYaml.Target("honest"), AuditYaml.Target("sneaky"), AuditYaml.Target("liar")],
        "concurrency: 4"))
    {
        private readonly SemaphoreSlim _once = new(1, 1);
        private int? _detectedAt;

        /// <summary>Runs intervals until the sneaky channel is quarantined (at most the stated bound), once.</summary>
        public async Task<int?> DetectAsync()
        {
            await _once.WaitAsync();
            try
            {
                if (_detectedAt is null)
                {
                    for (var interval = 1; interval <= StatedIntervals; interval++)
                    {
                        await NextIntervalAsync();
                        if (Quarantine.IsQuarantined("sneaky"))
                        {
                            _detectedAt = interval;
                            break;
                        }
                    }
                }

                return _detectedAt;
            }
            finally
            {
                _once.Release();
            }
        }
    }

    [Fact]
    public async Task RecognisingCheat_TwentyPercentMix_IsQuarantinedByAccumulatedEvidence_HonestIsNot()
    {
        var at = await host.DetectAsync();
        var verdicts = host.Auditor.RecentVerdicts(ChannelAuditor.HistoryLength);
        foreach (var v in verdicts.Where(static v => v.ChannelId == "sneaky" && v.Test == "model").Reverse())
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{v.Round} model p={v.PValue:G3} e={v.Evidence:G4} over {v.EvidenceRounds} {v.DecisionName}"));
        }

        output.WriteLine($"sneaky quarantined at interval {at?.ToString(CultureInfo.InvariantCulture) ?? "never"}");
        Assert.NotNull(at);
        Assert.InRange(at!.Value, 1, StatedIntervals);
        Assert.Equal("model", host.Quarantine.Entries.Single(e => e.ChannelId == "sneaky").Test);
        Assert.False(host.Quarantine.IsQuarantined("honest"));
        Assert.Contains(verdicts, static v => v.ChannelId == "honest" && v.Test == "model" && v.Evidence is not null);

        // Probes are never repeated: every prompt the channel was sent is new to it, so spare_seen never spared one.
        // (The journal keeps the last 200 requests.)
        var prompts = host.Emulator.Journal.All.Where(static e => e.Path.Contains("spare_seen", StringComparison.Ordinal))
            .Select(static e => JsonDocument.Parse(e.BodyText).RootElement.GetProperty("messages").GetRawText()).ToList();
        Assert.NotEmpty(prompts);
        Assert.Equal(prompts.Count, prompts.Distinct(StringComparer.Ordinal).Count());
    }

    [Fact]
    public async Task ClientRequest_RoutedAroundTheQuarantinedChannel_SaysSoOnItsReceipt()
    {
        Assert.NotNull(await host.DetectAsync());
        using var client = host.Client(AuditHost.ClientKey);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        using var response = await client.PostAsync("v1/chat/completions",
            new StringContent("""{"model":"m-sneaky","messages":[{"role":"user","content":"hi"}]}""", Encoding.UTF8, "application/json"), cts.Token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("trusted", response.Headers.GetValues("x-candor-channel").Single());
        var id = response.Headers.GetValues(ReceiptService.Header).Single();
        using var fetched = await client.GetAsync("/v1/receipts/" + id, cts.Token);
        Assert.Equal(HttpStatusCode.OK, fetched.StatusCode);
        using var doc = JsonDocument.Parse(await fetched.Content.ReadAsByteArrayAsync(cts.Token));
        var receipt = doc.RootElement.GetProperty("receipt");
        Assert.Equal(["sneaky"], receipt.GetProperty("quarantine_avoided").EnumerateArray().Select(static c => c.GetString()!).ToArray());
        Assert.Equal("trusted", receipt.GetProperty("channel").GetProperty("id").GetString());
    }

    [Fact]
    public async Task LiftedQuarantine_HoldsUntilNewEvidence()
    {
        await host.DetectAsync();
        Assert.True(host.Quarantine.IsQuarantined("liar"));
        using var admin = host.Client(host.OperatorKey);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        using (var lifted = await admin.DeleteAsync("admin/v1/audit/quarantine/liar", cts.Token))
        {
            Assert.Equal(HttpStatusCode.NoContent, lifted.StatusCode);
        }

        // Seconds later nothing has run against it: the old evidence is gone and the next round is an interval away.
        var roundsBefore = host.Auditor.RecentVerdicts(ChannelAuditor.HistoryLength).Where(static v => v.ChannelId == "liar").Max(static v => v.Round);
        host.Clock.Advance(TimeSpan.FromSeconds(2));
        await host.Auditor.RunDueAsync(cts.Token).WaitAsync(cts.Token);
        Assert.False(host.Quarantine.IsQuarantined("liar"));
        Assert.Equal(roundsBefore, host.Auditor.RecentVerdicts(ChannelAuditor.HistoryLength).Where(static v => v.ChannelId == "liar").Max(static v => v.Round));

        // New evidence (a round after the lift) quarantines a channel that still substitutes, counting only new rounds.
        await host.NextIntervalAsync();
        Assert.True(host.Quarantine.IsQuarantined("liar"));
        var failed = host.Auditor.RecentVerdicts(ChannelAuditor.HistoryLength).First(static v => v.ChannelId == "liar" && v.Decision == AuditDecision.Fail);
        Assert.True(failed.Round > roundsBefore);
        Assert.InRange(failed.EvidenceRounds, 1, 2);
    }
}
