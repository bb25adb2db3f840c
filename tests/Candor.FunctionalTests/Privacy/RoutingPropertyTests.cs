using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Candor.Core.Privacy;
using Candor.FunctionalTests.Infrastructure;

namespace Candor.FunctionalTests.Privacy;

/// <summary>Routing property, end to end: randomized channel policies (some undeclared, some failing so that
/// failover runs), models over random deployments, a random server requirement and random per-key requirements.
/// Every request's upstream calls are read back from the emulator's journal: not one reaches a channel that does
/// not comply with the key's effective policy, and a model with no compliant deployment is refused (403) without
/// any upstream call.</summary>
public sealed class RoutingPropertyTests
{
    private sealed record Channel(string Id, string Provider, ChannelDataPolicy Policy, bool Broken);

    private static readonly string[] Regions = ["cn", "us", "eu"];

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public async Task RandomPolicies_NoRequestReachesANonCompliantDeployment(int seed)
    {
        var ct = Json.Timeout(120);
        var r = new Random(seed * 7919);
        const string emu = "{{emu}}";

        var channels = new List<Channel>();
        for (int i = 0; i < 10; i++)
        {
            var policy = r.Next(5) == 0 ? ChannelDataPolicy.Undeclared
                : new ChannelDataPolicy(Regions[r.Next(3)], (UpstreamRetention)r.Next(3), (TrainingUse)r.Next(3));
            channels.Add(new Channel("c" + i, r.Next(3) == 0 ? "anthropic" : "openai", policy, r.Next(4) == 0));
        }

        // One undeclared channel serving a model of its own, and one key that requires something: that pair is
        // always refused, so the refusal path is exercised whatever the seed.
        var undeclared = new Channel("cu", "openai", ChannelDataPolicy.Undeclared, false);
        channels.Add(undeclared);
        var server = RandomRequirement(r, allowOpen: true);
        var keys = Enumerable.Range(0, 5).Select(i => (Name: "k" + i, Value: $"sk-routing-key-{i}-0123456789",
            Routing: i == 0 ? DataPolicyRequirements.Intersect(RandomRequirement(r, allowOpen: false), DataPolicyRequirements.Create(null, false, true)) : RandomRequirement(r, allowOpen: true))).ToList();
        var models = Enumerable.Range(0, 6).Select(i => (Name: "m" + i, Deployments: channels.OrderBy(_ => r.Next()).Take(r.Next(1, 5)).ToList())).ToList();
        models.Add(("mu", [undeclared]));

        var yaml = new StringBuilder();
        yaml.AppendLine("server: { max_attempts: 10 }");
        yaml.AppendLine("privacy:");
        yaml.AppendLine("  routing: " + Yaml(server));
        yaml.AppendLine("channels:");
        foreach (var c in channels)
        {
            string spec = "ch=" + c.Id + (c.Broken ? ";status=500" : "");
            string url = c.Provider == "openai" ? $"{emu}/x/{spec}/v1" : $"{emu}/x/{spec}";
            yaml.AppendLine($"  - {{ id: {c.Id}, provider: {c.Provider}, base_url: \"{url}\", api_key_env: UPSTREAM_KEY"
                + (c.Policy == ChannelDataPolicy.Undeclared ? "" : $", region: {c.Policy.Region}, data_policy: {{ retention: {Name(c.Policy.Retention)}, training: {Name(c.Policy.Training)} }}")
                + " }");
        }

        yaml.AppendLine("models:");
        foreach (var m in models)
        {
            yaml.AppendLine($"  - name: {m.Name}");
            yaml.AppendLine("    deployments: [" + string.Join(", ", m.Deployments.Select(d => $"{{ channel: {d.Id}, model: {(d.Provider == "openai" ? "gpt-4o-mini" : "claude-sonnet-4-5")} }}")) + "]");
        }

        yaml.AppendLine("keys:");
        foreach (var k in keys)
        {
            yaml.AppendLine($"  - {{ name: {k.Name}, key_env: {k.Name.ToUpperInvariant()}, privacy: {{ routing: {Yaml(k.Routing)} }} }}");
        }

        var builder = CandorTestHost.Create().Prefix("candor-routing-").Yaml(yaml.ToString());
        foreach (var k in keys)
        {
            builder.Env(k.Name.ToUpperInvariant(), k.Value);
        }

        await using var app = await builder.StartAsync(ct);
        var emulator = app.Emulator;
        using var client = app.CreateClient();

        int refused = 0, answered = 0, upstreamCalls = 0;
        foreach (var k in keys)
        {
            var effective = DataPolicyRequirements.Intersect(server, k.Routing);
            foreach (var m in models)
            {
                bool stream = r.Next(2) == 0;
                emulator.Journal.Clear();
                using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
                {
                    Content = Json.Body($$"""{"model":"{{m.Name}}","stream":{{(stream ? "true" : "false")}},"messages":[{"role":"user","content":"hello"}]}"""),
                };
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", k.Value);
                using var response = await client.SendAsync(request, ct);
                string body = await response.Content.ReadAsStringAsync(ct);
                var reached = emulator.Journal.All.Select(e => ChannelOf(e.Path)).ToList();
                upstreamCalls += reached.Count;
                foreach (string id in reached)
                {
                    var channel = channels.Single(c => c.Id == id);
                    Assert.True(DataPolicyRequirements.Complies(channel.Policy, effective),
                        $"seed {seed}: key {k.Name} ({DataPolicyRequirements.Describe(effective)}) reached {id} ({channel.Policy})");
                }

                bool anyCompliant = m.Deployments.Any(d => DataPolicyRequirements.Complies(d.Policy, effective));
                if (!anyCompliant)
                {
                    Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
                    Assert.Contains("no_compliant_deployment", body, StringComparison.Ordinal);
                    Assert.DoesNotContain("upstream-secret", body, StringComparison.Ordinal);
                    Assert.Empty(reached);
                    refused++;
                }
                else
                {
                    Assert.NotEmpty(reached);
                    if (response.IsSuccessStatusCode)
                    {
                        answered++;
                    }
                }

                Assert.Equal(DataPolicyRequirements.Describe(effective) + "; retention=none",
                    response.Headers.GetValues(PrivacyHeaders.Policy).Single());
            }
        }

        // The test is not vacuous: both outcomes happened and upstreams were called.
        Assert.True(answered > 0, $"seed {seed}: no request was answered");
        Assert.True(refused > 0, $"seed {seed}: no request was refused");
        Assert.True(upstreamCalls > 0);
    }

    private static DataPolicyRequirement RandomRequirement(Random r, bool allowOpen) =>
        allowOpen && r.Next(3) == 0 ? DataPolicyRequirement.None
        : DataPolicyRequirements.Create(r.Next(2) == 0 ? null : Regions.Where(_ => r.Next(2) == 0).DefaultIfEmpty(Regions[r.Next(3)]), r.Next(3) == 0, r.Next(3) == 0);

    private static string Yaml(DataPolicyRequirement q) =>
        "{ " + string.Join(", ", new[]
        {
            q.Regions is { } regions ? $"regions: [{string.Join(", ", regions)}]" : null,
            $"zero_retention: {(q.ZeroRetentionOnly ? "true" : "false")}",
            $"never_train: {(q.NeverTrain ? "true" : "false")}",
        }.Where(s => s is not null)) + " }";

    private static string Name(UpstreamRetention v) => v switch { UpstreamRetention.None => "none", UpstreamRetention.Limited => "limited", _ => "retains" };

    private static string Name(TrainingUse v) => v switch { TrainingUse.Never => "never", TrainingUse.OptOut => "opt_out", _ => "yes" };

    private static string ChannelOf(string path)
    {
        int at = path.IndexOf("ch=", StringComparison.Ordinal);
        Assert.True(at >= 0, $"an upstream call without a channel tag: {path}");
        int end = path.IndexOfAny([';', '/'], at);
        return path[(at + 3)..end];
    }
}
