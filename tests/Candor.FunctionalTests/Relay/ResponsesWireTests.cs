using System.Net;
using System.Text.Json;
using Candor.FunctionalTests.Infrastructure;

namespace Candor.FunctionalTests.Relay;

/// <summary>The Responses API on the wire, below what an SDK shows: the stream's event framing, a failure after the
/// first byte, the zero-retention answers of the state endpoints, and that nothing reaches an upstream in the
/// Responses dialect (every upstream is asked in its own wire).</summary>
[Collection(CandorCollection.Name)]
public sealed class ResponsesWireTests(CandorFixture fixture)
{
    public static TheoryData<string> Models => CandorFixture.ChatModels;

    [Theory]
    [MemberData(nameof(Models))]
    public async Task Stream_EveryEventNamedAndNumbered_UpstreamAskedInItsOwnWire(string model)
    {
        using var client = fixture.CreateClient();
        var ct = Json.Timeout();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/responses")
        {
            Content = Json.Body($$"""{"model":"{{model}}","stream":true,"store":false,"input":[{"role":"user","content":[{"type":"input_text","text":"[[emulator:reply=a b c]] go"}]}]}"""),
        };
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
        var events = await Sse.ReadAllAsync(response, ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        for (int i = 0; i < events.Count; i++)
        {
            using var data = JsonDocument.Parse(events[i].Data);
            Assert.Equal(events[i].Type, data.RootElement.GetProperty("type").GetString());
            Assert.Equal(i, data.RootElement.GetProperty("sequence_number").GetInt32());
        }

        Assert.Equal("response.created", events[0].Type);
        Assert.Equal("response.completed", events[^1].Type);
        Assert.DoesNotContain(events, e => e.Data == "[DONE]");
        Assert.DoesNotContain("/responses", fixture.Emulator.Journal.Last!.Path, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UpstreamCutMidStream_EndsWithAnErrorEventAndResponseFailed()
    {
        using var client = fixture.CreateClient();
        var ct = Json.Timeout();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/responses")
        {
            Content = Json.Body("""{"model":"m-anthropic","stream":true,"input":"[[emulator:tokens=40;disconnect_after=6]] go"}"""),
        };
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
        var events = await Sse.ReadAllAsync(response, ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("error", events[^2].Type);
        Assert.Equal("response.failed", events[^1].Type);
        using var failed = JsonDocument.Parse(events[^1].Data);
        Assert.Equal("failed", failed.RootElement.GetProperty("response").GetProperty("status").GetString());
        Assert.DoesNotContain(events, e => e.Type == "response.completed");
    }

    [Theory]
    [InlineData("GET", "/v1/responses/resp_1")]
    [InlineData("DELETE", "/v1/responses/resp_1")]
    [InlineData("GET", "/v1/responses/resp_1/input_items")]
    [InlineData("POST", "/v1/responses/resp_1/cancel")]
    public async Task StoredResponseEndpoints_Answer404ForZeroRetention(string method, string path)
    {
        using var client = fixture.CreateClient();
        var ct = Json.Timeout();
        using var response = await client.SendAsync(new HttpRequestMessage(new HttpMethod(method), path), ct);
        var body = await Json.ReadAsync(response, ct);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Contains("zero retention", body.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal("invalid_request_error", body.GetProperty("error").GetProperty("type").GetString());
    }

    [Fact]
    public async Task StoredResponseEndpoints_NeedAKey()
    {
        using var client = fixture.CreateClient(key: null);
        var ct = Json.Timeout();
        using var response = await client.GetAsync("/v1/responses/resp_1", ct);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task BuiltInTool_IsRefusedBeforeAnythingLeaves()
    {
        using var client = fixture.CreateClient();
        var ct = Json.Timeout();
        long before = fixture.Emulator.Journal.Count;
        using var response = await client.PostAsync("/v1/responses", Json.Body("""{"model":"m-openai","input":"x","tools":[{"type":"web_search"}]}"""), ct);
        var body = await Json.ReadAsync(response, ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("tools[0].type", body.GetProperty("error").GetProperty("param").GetString());
        Assert.Equal(before, fixture.Emulator.Journal.Count);
    }
}
