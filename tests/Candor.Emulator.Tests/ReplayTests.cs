namespace Candor.Emulator.Tests;

/// <summary>The replay of recorded vendor answers (<c>/replay/NAME/</c>): a <c>.sse</c> body byte for byte, a
/// <c>.chunks.txt</c> recording framed as the endpoint's vendor frames its stream, the answer chosen by how many tool
/// turns the request holds.</summary>
public sealed class ReplayTests : IAsyncLifetime
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "candor-replay-" + Guid.NewGuid().ToString("N"));

    // Padding before the closing brace, CRLF and bytes no re-encoding would keep, as vendors send them.
    private const string RawSse = "data: {\"choices\":[{\"delta\":{\"content\":\"caf\\u00e9\"}}]}   \r\n\r\ndata: [DONE]\n\n";

    public Task InitializeAsync()
    {
        Directory.CreateDirectory(Path.Combine(_root, "loop"));
        File.WriteAllText(Path.Combine(_root, "loop", "1.sse"), RawSse);
        File.WriteAllText(Path.Combine(_root, "loop", "2.chunks.txt"), "{\"type\":\"message_start\",\"n\":1}\n{\"type\": \"ping\"}");
        File.WriteAllText(Path.Combine(_root, "loop", "notes.md"), "ignored");
        return Task.CompletedTask;
    }

    public Task DisposeAsync()
    {
        Directory.Delete(_root, recursive: true);
        return Task.CompletedTask;
    }

    private Task<Emu> StartAsync() => Emu.StartAsync(new EmulatorOptions { RecordingsDirectory = _root });

    [Fact]
    public async Task SseRecording_IsReplayedByteForByte_WhateverTheEndpoint()
    {
        await using var emu = await StartAsync();
        var (response, body) = await emu.PostAsync("replay/loop/v1/chat/completions", """{"model":"m","stream":true,"messages":[]}""");
        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(RawSse, body);
        Assert.Equal("/v1/chat/completions", emu.Host.Journal.Last!.Path.Replace("/replay/loop", "", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ToolTurns_ChooseTheAnswer_OnEveryWire()
    {
        await using var emu = await StartAsync();
        const string Events = "event: message_start\ndata: {\"type\":\"message_start\",\"n\":1}\n\nevent: ping\ndata: {\"type\": \"ping\"}\n\n";

        // Anthropic: an assistant turn with tool_use.
        var (_, anthropic) = await emu.PostAsync("replay/loop/v1/messages",
            """{"model":"m","stream":true,"messages":[{"role":"user","content":"x"},{"role":"assistant","content":[{"type":"tool_use","id":"t","name":"f","input":{}}]},{"role":"user","content":[{"type":"tool_result","tool_use_id":"t","content":"ok"}]}]}""");
        Assert.Equal(Events, anthropic);

        // The Responses API: function_call items.
        var (_, responses) = await emu.PostAsync("replay/loop/v1/responses",
            """{"model":"m","stream":true,"input":[{"role":"user","content":"x"},{"type":"function_call","call_id":"c","name":"f","arguments":"{}"},{"type":"function_call_output","call_id":"c","output":"ok"}]}""");
        Assert.Equal(Events, responses);

        // OpenAI chat: data lines and [DONE]; past the last recorded answer, the last.
        var (_, chat) = await emu.PostAsync("replay/loop/v1/chat/completions",
            """{"model":"m","stream":true,"messages":[{"role":"assistant","tool_calls":[{"id":"a"}]},{"role":"assistant","tool_calls":[{"id":"b"}]}]}""");
        Assert.Equal("data: {\"type\":\"message_start\",\"n\":1}\n\ndata: {\"type\": \"ping\"}\n\ndata: [DONE]\n\n", chat);

        // Gemini: a model turn with functionCall; CRLF framing, and the endpoint itself streams.
        var (_, gemini) = await emu.PostAsync("replay/loop/v1beta/models/g:streamGenerateContent?alt=sse",
            """{"contents":[{"role":"user","parts":[{"text":"x"}]},{"role":"model","parts":[{"functionCall":{"name":"f","args":{}}}]}]}""");
        Assert.Equal("data: {\"type\":\"message_start\",\"n\":1}\r\n\r\ndata: {\"type\": \"ping\"}\r\n\r\n", gemini);

        // No tool turn yet: the first answer.
        var (_, first) = await emu.PostAsync("replay/loop/v1beta/models/g:streamGenerateContent?alt=sse", """{"contents":[{"role":"user","parts":[{"text":"x"}]}]}""");
        Assert.Equal(RawSse, first);
    }

    [Fact]
    public async Task NotAStream_UnknownRecording_OrUnreplayedEndpoint_AreRefusedInTheVendorsEnvelope()
    {
        await using var emu = await StartAsync();
        var (notStream, body) = await emu.PostAsync("replay/loop/v1/messages", """{"model":"m","messages":[]}""");
        Assert.Equal(400, (int)notStream.StatusCode);
        Assert.Contains("recorded streams only", body, StringComparison.Ordinal);
        Assert.Contains("\"type\":\"error\"", body, StringComparison.Ordinal);

        var (unknown, _) = await emu.PostAsync("replay/nothing/v1/chat/completions", """{"model":"m","stream":true}""");
        Assert.Equal(404, (int)unknown.StatusCode);
        var (escape, _) = await emu.PostAsync("replay/..%2Floop/v1/chat/completions", """{"model":"m","stream":true}""");
        Assert.Equal(404, (int)escape.StatusCode);
        var (endpoint, _) = await emu.PostAsync("replay/loop/v1/embeddings", """{"model":"m","input":"x"}""");
        Assert.Equal(404, (int)endpoint.StatusCode);

        await using var none = await Emu.StartAsync();
        var (unset, _) = await none.PostAsync("replay/loop/v1/chat/completions", """{"model":"m","stream":true}""");
        Assert.Equal(404, (int)unset.StatusCode);
    }
}
