using System.Net;
using System.Text;
using System.Text.Json;
using Candor.Core.Audit;
using Xunit.Abstractions;

namespace Candor.FunctionalTests.Audit;

/// <summary>Each dishonest emulator mode, behind its own channel, is found by the audit within a stated number of
/// rounds, quarantined with a reason admins can read, and kept off client traffic; the honest channel beside them is not.</summary>
public sealed class DishonestChannelTests(DishonestChannelTests.Host host, ITestOutputHelper output) : IClassFixture<DishonestChannelTests.Host>
{
    /// <summary>Rounds (intervals) within which each mode must be quarantined. One round is 50 probes to the channel
    /// and 50 to the reference; a suspect round is confirmed at once by a second round in the same interval.</summary>
    public static TheoryData<string, int> Modes => new()
    {
        { "substitute", 1 },   // serve_model=cheaper: detected in the first interval (2 rounds, 100 probes)
        { "mix", 3 },          // mix_model=cheaper at 50%, repeats 20 (200 probes a round): within 3 intervals (≤ 6 rounds, 1,200 probes)
        { "inflate", 1 },      // inflate_usage=10
        { "lowmax", 1 },       // lower_max_tokens=20 against a default of 12–40 tokens
        { "renamed", 1 },      // report_model=gpt-4o-mini (the upstream admits the substitution): 1 round
    };

    public sealed class Host() : AuditHost(AuditYaml.Config(
        [
            AuditYaml.Trusted, AuditYaml.OpenAi("honest"), AuditYaml.OpenAi("substitute", "x/serve_model=cheaper/"),
            AuditYaml.OpenAi("mix", "x/mix_model=cheaper;mix_rate=0.5/"), AuditYaml.OpenAi("inflate", "x/inflate_usage=10/"),
            AuditYaml.OpenAi("lowmax", "x/lower_max_tokens=20/"), AuditYaml.OpenAi("renamed", "x/report_model=gpt-4o-mini/"),
        ],
        [
            "{ name: m-sub, deployments: [{ channel: substitute, model: gpt-4o }, { channel: trusted, model: gpt-4o }] }",
            AuditYaml.Model("m-sub-only", "substitute"),
        ],
        [
            AuditYaml.Target("honest"), AuditYaml.Target("substitute"), AuditYaml.Target("mix", extra: ", repeats: 20"),
            AuditYaml.Target("inflate"), AuditYaml.Target("lowmax"), AuditYaml.Target("renamed"),
        ],
        "concurrency: 4"))
    {
        private readonly SemaphoreSlim _once = new(1, 1);
        private Dictionary<string, int>? _detectedAt;

        /// <summary>Runs intervals until every dishonest channel is quarantined (at most 8), once for the class; returns
        /// the interval at which each channel was quarantined.</summary>
        public async Task<Dictionary<string, int>> DetectAsync()
        {
            await _once.WaitAsync();
            try
            {
                if (_detectedAt is null)
                {
                    var at = new Dictionary<string, int>();
                    for (var interval = 1; interval <= 8 && at.Count < 5; interval++)
                    {
                        await NextIntervalAsync();
                        foreach (var entry in Quarantine.Entries)
                        {
                            at.TryAdd(entry.ChannelId, interval);
                        }
                    }

                    _detectedAt = at;
                }

                return _detectedAt;
            }
            finally
            {
                _once.Release();
            }
        }
    }

    [Theory]
    [MemberData(nameof(Modes))]
    public async Task DishonestMode_IsQuarantinedWithinTheStatedRounds(string channel, int maxIntervals)
    {
        var detected = await host.DetectAsync();
        output.WriteLine(string.Join(", ", detected.Select(static kv => $"{kv.Key}@{kv.Value}")));
        foreach (var v in host.Auditor.RecentVerdicts(ChannelAuditor.HistoryLength).Where(v => v.ChannelId == channel).Reverse())
        {
            output.WriteLine($"{v.Round} {v.Test} stat={v.Statistic:G4} thr={v.Threshold:G4} p={v.PValue:G3} {v.DecisionName}");
        }

        Assert.True(detected.TryGetValue(channel, out var at), $"{channel} was not quarantined within 8 intervals");
        Assert.InRange(at, 1, maxIntervals);
        var entry = host.Quarantine.Entries.Single(e => e.ChannelId == channel);
        var expectedTest = channel switch
        {
            "substitute" or "mix" => "model",
            "inflate" => "usage",
            "lowmax" => "truncation",
            _ => "reported_model",
        };
        Assert.Equal(expectedTest, entry.Test);
    }

    [Fact]
    public async Task HonestChannel_BesideThem_IsNotQuarantined()
    {
        await host.DetectAsync();
        Assert.False(host.Quarantine.IsQuarantined("honest"));
        Assert.Contains(host.Auditor.RecentVerdicts(ChannelAuditor.HistoryLength), v => v.ChannelId == "honest" && v.Test == "model");
    }

    [Fact]
    public async Task Verdicts_GoToTheTransparencyLog_AsCanonicalJson()
    {
        await host.DetectAsync();
        // The log also holds receipt hashes (32 raw bytes, which may begin with '{'); verdicts are the longer JSON entries.
        var entries = host.Log.Entries.Where(static e => e.Length > 32 && e[0] == (byte)'{').Select(static e => Encoding.UTF8.GetString(e)).ToList();
        Assert.NotEmpty(entries);
        var failed = entries.Select(static e => JsonDocument.Parse(e).RootElement)
            .First(static e => e.GetProperty("channel").GetString() == "substitute" && e.GetProperty("decision").GetString() == "fail");
        Assert.Equal("model", failed.GetProperty("test").GetString());
        Assert.Equal("gpt-4o", failed.GetProperty("claimed_model").GetString());
        Assert.Equal("candor.audit.verdict.v1", failed.GetProperty("type").GetString());
        Assert.True(failed.GetProperty("statistic").GetDouble() > failed.GetProperty("threshold").GetDouble());
        Assert.Equal(50, failed.GetProperty("n_probes").GetInt32());

        // Canonical: members in order, no whitespace, and the log holds exactly what the verdict serializes to.
        foreach (var entry in entries)
        {
            var names = JsonDocument.Parse(entry).RootElement.EnumerateObject().Select(static p => p.Name).ToList();
            Assert.Equal(names.Order(StringComparer.Ordinal), names);
            Assert.DoesNotContain(' ', entry.Replace("gpt-4o", "", StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task Quarantine_KeepsClientRequestsOffTheChannel_UntilAnOperatorLiftsIt()
    {
        await host.DetectAsync();
        using var client = host.Client(AuditHost.ClientKey);
        const string body = """{"model":"MODEL","messages":[{"role":"user","content":"hi"}]}""";
        long before = host.Emulator.Journal.Count;

        using (var failover = await client.PostAsync("v1/chat/completions", Content(body.Replace("MODEL", "m-sub"))))
        {
            Assert.Equal(HttpStatusCode.OK, failover.StatusCode);
            Assert.Equal("trusted", failover.Headers.GetValues("x-candor-channel").Single());
        }

        using (var none = await client.PostAsync("v1/chat/completions", Content(body.Replace("MODEL", "m-sub-only"))))
        {
            Assert.Equal(HttpStatusCode.BadGateway, none.StatusCode); // "no deployment could be tried"
        }

        // Exactly one upstream request (to the trusted channel); nothing reached the quarantined one.
        Assert.Equal(before + 1, host.Emulator.Journal.Count);
        Assert.Equal("/v1/chat/completions", host.Emulator.Journal.Last!.Path);
    }

    [Fact]
    public async Task Admin_ReadsTheReasons_OperatorOnly_AndCanLiftAQuarantine()
    {
        await host.DetectAsync();
        using (var anonymous = new HttpClient { BaseAddress = host.BaseAddress })
        {
            using var refused = await anonymous.GetAsync("admin/v1/audit");
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        }

        using (var client = host.Client(AuditHost.ClientKey))
        {
            using var refused = await client.GetAsync("admin/v1/audit");
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        }

        using var admin = host.Client(host.OperatorKey);
        var root = JsonDocument.Parse(await admin.GetStringAsync("admin/v1/audit")).RootElement;
        Assert.True(root.GetProperty("enabled").GetBoolean());
        Assert.True(root.GetProperty("alerts").GetInt64() >= 5);
        var quarantined = root.GetProperty("quarantined").EnumerateArray().ToDictionary(static q => q.GetProperty("channel").GetString()!);
        Assert.Contains("word distribution differs from gpt-4o", quarantined["substitute"].GetProperty("reason").GetString());
        Assert.Contains("usage", quarantined["inflate"].GetProperty("reason").GetString());
        Assert.DoesNotContain("honest", quarantined.Keys);
        Assert.Contains(root.GetProperty("verdicts").EnumerateArray(), static v => v.GetProperty("decision").GetString() == "fail");

        using var missing = await admin.DeleteAsync("admin/v1/audit/quarantine/honest");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        using var lifted = await admin.DeleteAsync("admin/v1/audit/quarantine/renamed");
        Assert.Equal(HttpStatusCode.NoContent, lifted.StatusCode);
        Assert.False(host.Quarantine.IsQuarantined("renamed"));
    }

    private static StringContent Content(string json) => new(json, Encoding.UTF8, "application/json");
}
