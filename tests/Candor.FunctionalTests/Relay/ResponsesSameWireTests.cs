using System.Net;
using System.Text.Json;
using Candor.FunctionalTests.Infrastructure;

namespace Candor.FunctionalTests.Relay;

/// <summary>The Responses API to an upstream that speaks it (<c>provider: openai-responses</c>): the client's bytes go to
/// <c>/v1/responses</c> with only the model replaced, so the state OpenAI keeps (<c>store</c>,
/// <c>previous_response_id</c>, <c>item_reference</c>) and its built-in tools work there; metering reads the upstream's
/// usage. Every other upstream still refuses them with the zero-retention 400 before anything is sent.</summary>
public sealed class ResponsesSameWireTests(ResponsesSameWireTests.Host host) : IClassFixture<ResponsesSameWireTests.Host>
{
    public const string Key = "sk-responses-same-wire-0123456789";

    public sealed class Host : IAsyncLifetime
    {
        public CandorTestHost Candor { get; private set; } = null!;

        public async Task InitializeAsync() => Candor = await CandorTestHost.Create()
            .Prefix("candor-resp-")
            .Yaml("""
                channels:
                  - { id: or, provider: openai-responses, base_url: "{{emu}}/v1", api_key_env: UPSTREAM_KEY }
                  - { id: an, provider: anthropic, base_url: "{{emu}}", api_key_env: UPSTREAM_KEY }
                models:
                  - { name: m-responses, deployments: [{ channel: or, model: gpt-4o-mini }] }
                  - { name: m-responses-reasoner, deployments: [{ channel: or, model: o4-mini }] }
                  - { name: m-anthropic, deployments: [{ channel: an, model: claude-sonnet-4-5 }] }
                keys:
                  - { name: t, key_env: CLIENT_KEY }
                """)
            .Env("CLIENT_KEY", Key)
            .StartAsync();

        public Task DisposeAsync() => Candor.DisposeAsync().AsTask();
    }

    private Task<(int Status, string Text)> PostAsync(string body, CancellationToken ct) =>
        host.Candor.SendAsync(Key, HttpMethod.Post, "/v1/responses", body, ct);

    [Fact]
    public async Task StoreAndPreviousResponseId_SameWire_AreHonouredByTheUpstream()
    {
        var ct = Json.Timeout();
        var (status, text) = await PostAsync("""{"model":"m-responses","input":"[[emulator:reply=one two]] hello","store":true}""", ct);
        Assert.Equal(200, status);
        using var first = JsonDocument.Parse(text);
        Assert.True(first.RootElement.GetProperty("store").GetBoolean());
        string id = first.RootElement.GetProperty("id").GetString()!;
        var sent = host.Candor.Emulator.Journal.Last!;
        Assert.Equal("/v1/responses", sent.Path);
        using (var forwarded = JsonDocument.Parse(sent.BodyText))
        {
            Assert.Equal("gpt-4o-mini", forwarded.RootElement.GetProperty("model").GetString());
        }

        (status, text) = await PostAsync($$"""{"model":"m-responses","input":"[[emulator:reply=three]] again","previous_response_id":"{{id}}"}""", ct);
        Assert.Equal(200, status);
        using var second = JsonDocument.Parse(text);
        Assert.Equal(id, second.RootElement.GetProperty("previous_response_id").GetString());
        Assert.Contains(id, host.Candor.Emulator.Journal.Last!.BodyText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnknownPreviousResponse_SameWire_IsTheUpstreamsRefusalNotASilentAnswer()
    {
        var (status, _) = await PostAsync("""{"model":"m-responses","input":"x","previous_response_id":"resp_nowhere"}""", Json.Timeout());

        Assert.Equal(400, status);
    }

    [Theory]
    [InlineData("""{"model":"m-anthropic","input":"x","store":true}""")]
    [InlineData("""{"model":"m-anthropic","input":"x","previous_response_id":"resp_1"}""")]
    [InlineData("""{"model":"m-anthropic","input":[{"type":"item_reference","id":"msg_1"}]}""")]
    [InlineData("""{"model":"m-anthropic","input":"x","tools":[{"type":"web_search"}]}""")]
    public async Task SameWireOnly_Translated_IsRefusedBeforeAnythingLeaves(string body)
    {
        long before = host.Candor.Emulator.Journal.Count;
        var (status, text) = await PostAsync(body, Json.Timeout());

        Assert.Equal(400, status);
        Assert.Contains("\"error\"", text, StringComparison.Ordinal);
        Assert.Equal(before, host.Candor.Emulator.Journal.Count);
    }

    [Fact]
    public async Task BuiltInTool_SameWire_IsForwardedWithTheFunctions()
    {
        var (status, _) = await PostAsync(
            """{"model":"m-responses","input":"hi","tools":[{"type":"web_search"},{"type":"function","name":"f","parameters":{"type":"object","properties":{}}}]}""",
            Json.Timeout());

        Assert.Equal(200, status);
        Assert.Contains("web_search", host.Candor.Emulator.Journal.Last!.BodyText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Stream_SameWire_RelaysTheUpstreamsEvents()
    {
        var ct = Json.Timeout();
        using var client = host.Candor.CreateClient(Key);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/responses")
        {
            Content = Json.Body("""{"model":"m-responses-reasoner","stream":true,"store":false,"include":["reasoning.encrypted_content"],"reasoning":{"effort":"low","summary":"auto"},"input":"[[emulator:reply=a b c]] go"}"""),
        };
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
        var events = await Sse.ReadAllAsync(response, ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("fast", response.Headers.GetValues("x-candor-path").Single());
        Assert.Equal("response.created", events[0].Type);
        Assert.Equal("response.completed", events[^1].Type);
        Assert.Contains(events, e => e.Type == "response.reasoning_summary_text.delta");
        using var done = JsonDocument.Parse(events[^1].Data);
        var usage = done.RootElement.GetProperty("response").GetProperty("usage");
        Assert.Equal(3, usage.GetProperty("output_tokens").GetInt32() - usage.GetProperty("output_tokens_details").GetProperty("reasoning_tokens").GetInt32());
    }
}
