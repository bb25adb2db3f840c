using System.Text;
using Candor.Core.Accounting;
using Candor.Core.Audit;
using Candor.Core.Routing;
using Candor.FunctionalTests.Infrastructure;

namespace Candor.FunctionalTests.Audit;

/// <summary>An audit probe reaches the upstream as a same-wire client's request of the same parameters does: the
/// same path, the same header names in the same order, and the same body bytes — the official SDK's member order,
/// compact JSON, raw UTF-8 — so an upstream cannot single probes out by their shape. The client's request is written
/// as the vendor's Python SDK sends those parameters and relayed by Candor's fast path.</summary>
public sealed class ProbeShapeTests
{
    private const string ClientKey = "sk-probe-shape-0123456789abcdef";
    private const string Schema = """{"type":"object","properties":{"word":{"type":"string"}},"required":["word"]}""";

    private static readonly Probe Probe = new("shape", "列出三条河流的名字。", 200)
    {
        System = "You answer briefly.",
        Temperature = 0.7,
        TopP = 0.9,
        Stream = true,
        Tool = new ProbeTool("lookup", "Looks up a word", Schema),
    };

    public static TheoryData<string, string, string, string> Wires => new()
    {
        {
            "oa", "gpt-4o", "/v1/chat/completions",
            // openai-python: client.chat.completions.create(messages=…, model=…, max_completion_tokens=200, stream=True,
            // stream_options={"include_usage": True}, temperature=0.7, tools=[…], top_p=0.9)
            """{"messages":[{"role":"system","content":"You answer briefly."},{"role":"user","content":"列出三条河流的名字。"}],"model":"MODEL","max_completion_tokens":200,"stream":true,"stream_options":{"include_usage":true},"temperature":0.7,"tools":[{"type":"function","function":{"name":"lookup","description":"Looks up a word","parameters":SCHEMA}}],"top_p":0.9}"""
        },
        {
            "an", "claude-sonnet-4-5", "/v1/messages",
            // anthropic-python: client.messages.create(max_tokens=200, messages=…, model=…, stream=True, system=…,
            // temperature=0.7, tools=[…], top_p=0.9)
            """{"max_tokens":200,"messages":[{"role":"user","content":"列出三条河流的名字。"}],"model":"MODEL","stream":true,"system":"You answer briefly.","temperature":0.7,"tools":[{"name":"lookup","description":"Looks up a word","input_schema":SCHEMA}],"top_p":0.9}"""
        },
    };

    [Theory]
    [MemberData(nameof(Wires))]
    public async Task Probe_LooksLikeASameWireClientRequest_AtTheUpstream(string channelId, string upstreamModel, string path, string sdkBody)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var ct = cts.Token;
        await using var host = await CandorTestHost.Create()
            .Env("CLIENT_KEY", ClientKey)
            .Yaml(emu => $$"""
                channels:
                  - { id: oa, provider: openai, base_url: {{emu}}/v1, api_key_env: UPSTREAM_KEY }
                  - { id: an, provider: anthropic, base_url: {{emu}}, api_key_env: UPSTREAM_KEY }
                models:
                  - { name: m, deployments: [{ channel: {{channelId}}, model: {{upstreamModel}} }] }
                keys:
                  - { name: client, key_env: CLIENT_KEY }
                """)
            .StartAsync(ct);

        var channel = host.Service<SnapshotHolder>().Current.Channels[channelId];
        var answer = await ProbeSender.SendAsync(channel, upstreamModel, Probe, 0, 1, host.Service<TokenCounter>(), 1 << 20, ct).WaitAsync(ct);
        Assert.NotNull(answer);
        var probe = host.Emulator.Journal.All.Last(e => e.Method == "POST");

        using var client = host.CreateClient(ClientKey);
        string body = sdkBody.Replace("SCHEMA", Schema, StringComparison.Ordinal).Replace("MODEL", "m", StringComparison.Ordinal);
        using var response = await client.PostAsync(path, new StringContent(body, Encoding.UTF8, "application/json"), ct);
        await response.Content.ReadAsByteArrayAsync(ct);
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}");
        var relayed = host.Emulator.Journal.All.Last(e => e.Method == "POST");
        Assert.NotSame(probe, relayed);

        Assert.Equal(relayed.Path, probe.Path);
        Assert.Equal(relayed.HeaderNames, probe.HeaderNames);
        Assert.Equal(relayed.BodyText, probe.BodyText);
        Assert.Equal(sdkBody.Replace("SCHEMA", Schema, StringComparison.Ordinal).Replace("MODEL", upstreamModel, StringComparison.Ordinal), probe.BodyText);
    }
}
