using System.Text;
using System.Text.Json.Nodes;
using Candor.Core.Configuration;
using Candor.Core.Receipts;
using Candor.Core.Upstream;
using Candor.Protocols.Canonical;
using Candor.Providers.Moonshot;
using Candor.Providers.OpenAI;
using Candor.Providers.Zhipu;
using static Candor.UnitTests.Protocols.OpenAI.OpenAITestHelpers;

namespace Candor.UnitTests.Providers.OpenAI;

/// <summary>A vendor that has no field for seed, the penalties or logprobs gets a body without them; the receipt says so
/// (<c>omitted</c>, one per parameter) so the parameter-integrity audit checks the real body without flagging it.</summary>
public sealed class DroppedParameterTests
{
    private const string Sampled = """
        {"model":"m","seed":7,"presence_penalty":0.5,"frequency_penalty":0.25,"logprobs":false,"top_logprobs":2,"temperature":0.5,"top_p":0.9,
         "messages":[{"role":"user","content":"hi"}]}
        """;

    private static (JsonNode Body, List<Transformation> Declared, List<string> Flags) Forward(IProviderAdapter adapter, string upstreamModel, string json)
    {
        var client = Decode(json);
        var channel = new ChannelSettings { Id = "c", Provider = adapter.Name, BaseUrl = new Uri("https://upstream.example/v1") };
        using var message = adapter.CreateChatRequest(channel, upstreamModel, client);
        string body = message.Content!.ReadAsStringAsync().GetAwaiter().GetResult();
        var declared = ParameterIntegrity.Declared(client, upstreamModel, WireProtocol.OpenAI, fast: false);
        var profileOnly = ParameterIntegrity.Check(client, Encoding.UTF8.GetBytes(body), WireProtocol.OpenAI, upstreamModel, declared);
        adapter.Declare(client, upstreamModel, declared);
        Assert.Empty(ParameterIntegrity.Check(client, Encoding.UTF8.GetBytes(body), WireProtocol.OpenAI, upstreamModel, declared));
        return (JsonNode.Parse(body)!, declared, profileOnly);
    }

    private static string[] Omitted(List<Transformation> declared) =>
        [.. declared.Where(static t => t.Kind == Transformation.Omitted).Select(static t => t.Target).Order(StringComparer.Ordinal)];

    [Fact]
    public void Zhipu_DeclaresSeedPenaltiesAndLogprobsOmitted()
    {
        var (body, declared, flags) = Forward(new ZhipuAdapter(), "glm-4.6", Sampled);
        foreach (var name in new[] { "seed", "presence_penalty", "frequency_penalty", "logprobs", "top_logprobs" })
        {
            Assert.Null(body[name]);
        }

        Assert.Equal(["frequency_penalty", "logprobs", "presence_penalty", "seed", "top_logprobs"], Omitted(declared));
        Assert.Equal("zhipu takes no seed", declared.Single(static t => t.Target == "seed").Detail);
        // Without the adapter's declaration the audit flags what the vendor dropped: the reason it is declared.
        Assert.Equal(["parameter_changed:seed", "parameter_changed:presence_penalty", "parameter_changed:frequency_penalty"], flags);
    }

    [Fact]
    public void Moonshot_DeclaresSeedAndLogprobsOmitted_KeepsPenalties()
    {
        var (body, declared, _) = Forward(new MoonshotAdapter(), "moonshot-v1-8k", Sampled);
        Assert.Equal(0.5, body["presence_penalty"]!.GetValue<double>());
        Assert.Null(body["seed"]);
        Assert.Equal(["logprobs", "seed", "top_logprobs"], Omitted(declared));
    }

    [Fact]
    public void MoonshotFixedSampling_AlsoDeclaresSamplingAndPenaltiesOmitted()
    {
        var (body, declared, flags) = Forward(new MoonshotAdapter(), "kimi-k2.5", Sampled);
        Assert.Null(body["temperature"]);
        Assert.Null(body["presence_penalty"]);
        Assert.Equal(["frequency_penalty", "logprobs", "presence_penalty", "seed", "temperature", "top_logprobs", "top_p"], Omitted(declared));
        Assert.Contains("parameter_changed:temperature", flags);
    }

    [Fact]
    public void ParametersTheClientDidNotSet_AreNotDeclared()
    {
        var (_, declared, _) = Forward(new ZhipuAdapter(), "glm-4.6", """{"model":"m","messages":[{"role":"user","content":"hi"}]}""");
        Assert.Empty(Omitted(declared));
    }

    [Fact]
    public void OpenAI_KeepsThemAll_AndDeclaresNothing()
    {
        var (body, declared, _) = Forward(new OpenAIAdapter(), "gpt-4o", Sampled);
        Assert.Equal(7, body["seed"]!.GetValue<int>());
        Assert.Empty(Omitted(declared));
    }
}
