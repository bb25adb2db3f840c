using System.Text.Json;

namespace Candor.Emulator.Tests;

/// <summary>The Responses API as OpenAI serves it: the response object and its usage, the typed event stream, the state
/// kept with <c>store</c> (the default), reasoning items and what OpenAI refuses of them, and the tool directives.</summary>
public sealed class ResponsesTests
{
    private const string Tools = """
        "tools":[{"type":"function","name":"read","parameters":{"type":"object","properties":{"path":{"type":"string"}},"required":["path"]}},
                 {"type":"function","name":"write","parameters":{"type":"object","properties":{"text":{"type":"string"}},"required":["text"]}}]
        """;

    [Fact]
    public async Task Create_ReturnsTheResponseObjectWithExactUsage()
    {
        await using var emu = await Emu.StartAsync();
        var root = await emu.PostJsonAsync("v1/responses", """{"model":"gpt-4o","instructions":"Be brief.","input":"[[emulator:reply=alpha beta gamma]] hi","store":false}""");

        Assert.StartsWith("resp_", root.GetProperty("id").GetString(), StringComparison.Ordinal);
        Assert.Equal("response", root.GetProperty("object").GetString());
        Assert.Equal("completed", root.GetProperty("status").GetString());
        Assert.False(root.GetProperty("store").GetBoolean());
        var message = Assert.Single(root.GetProperty("output").EnumerateArray());
        Assert.Equal("message", message.GetProperty("type").GetString());
        Assert.Equal("alpha beta gamma", message.GetProperty("content")[0].GetProperty("text").GetString());
        Assert.Equal(3, root.GetProperty("usage").GetProperty("output_tokens").GetInt32());
        Assert.Equal(0, root.GetProperty("usage").GetProperty("output_tokens_details").GetProperty("reasoning_tokens").GetInt32());
    }

    [Fact]
    public async Task Stream_EventsAreTypedNumberedAndEndCompleted()
    {
        await using var emu = await Emu.StartAsync();
        var (response, body) = await emu.PostAsync("v1/responses", """{"model":"o4-mini","stream":true,"reasoning":{"summary":"auto"},"input":"[[emulator:reply=a b]] hi"}""");
        var events = Sse.Parse(body);

        Assert.True(response.IsSuccessStatusCode);
        for (int i = 0; i < events.Count; i++)
        {
            Assert.Equal(events[i].Event, events[i].Json.GetProperty("type").GetString());
            Assert.Equal(i, events[i].Json.GetProperty("sequence_number").GetInt32());
        }

        Assert.Equal(["response.created", "response.in_progress", "response.output_item.added"], events.Take(3).Select(e => e.Event));
        Assert.Contains(events, e => e.Event == "response.reasoning_summary_text.delta");
        Assert.Equal("a b", string.Concat(events.Where(e => e.Event == "response.output_text.delta").Select(e => e.Json.GetProperty("delta").GetString())));
        var completed = events[^1].Json.GetProperty("response");
        Assert.Equal("response.completed", events[^1].Event);
        Assert.Equal(["reasoning", "message"], completed.GetProperty("output").EnumerateArray().Select(i => i.GetProperty("type").GetString()));
        Assert.True(completed.GetProperty("usage").GetProperty("output_tokens_details").GetProperty("reasoning_tokens").GetInt32() > 0);
    }

    [Fact]
    public async Task Store_PreviousResponseIdItemReferenceAndGet_UseTheKeptState()
    {
        await using var emu = await Emu.StartAsync();
        var first = await emu.PostJsonAsync("v1/responses", $$"""{"model":"gpt-4o","input":"hi",{{Tools}}}""");
        var call = Assert.Single(first.GetProperty("output").EnumerateArray());
        Assert.Equal("function_call", call.GetProperty("type").GetString());
        Assert.Equal("read", call.GetProperty("name").GetString());
        string id = first.GetProperty("id").GetString()!;

        var second = await emu.PostJsonAsync("v1/responses",
            $$"""{"model":"gpt-4o","previous_response_id":"{{id}}","input":[{"type":"function_call_output","call_id":"{{call.GetProperty("call_id").GetString()}}","output":"ok"}],{{Tools}}}""");
        Assert.Equal("message", second.GetProperty("output")[0].GetProperty("type").GetString());

        var referenced = await emu.PostJsonAsync("v1/responses",
            $$"""{"model":"gpt-4o","input":[{"role":"user","content":"hi"},{"type":"item_reference","id":"{{call.GetProperty("id").GetString()}}"},{"type":"function_call_output","call_id":"c","output":"ok"}]}""");
        Assert.Equal("completed", referenced.GetProperty("status").GetString());

        var got = await emu.Client.GetAsync(new Uri("v1/responses/" + id, UriKind.Relative));
        Assert.True(got.IsSuccessStatusCode);
        var deleted = await emu.Client.DeleteAsync(new Uri("v1/responses/" + id, UriKind.Relative));
        Assert.True(deleted.IsSuccessStatusCode);
        Assert.Equal(404, (int)(await emu.Client.GetAsync(new Uri("v1/responses/" + id, UriKind.Relative))).StatusCode);
    }

    [Theory]
    [InlineData("""{"model":"gpt-4o","previous_response_id":"resp_nowhere","input":"x"}""", "not found")]
    [InlineData("""{"model":"gpt-4o","input":[{"type":"item_reference","id":"fc_nowhere"}]}""", "not found")]
    [InlineData("""{"model":"o4-mini","store":false,"input":[{"role":"user","content":"x"},{"type":"reasoning","id":"rs_x","summary":[]}]}""", "not persisted")]
    [InlineData("""{"model":"o4-mini","store":false,"input":[{"role":"user","content":"x"},{"type":"reasoning","id":"rs_x","summary":[],"encrypted_content":"forged"}]}""", "could not be verified")]
    public async Task StateOrReasoningNotKept_Is400AsOpenAIAnswers(string body, string message)
    {
        await using var emu = await Emu.StartAsync();
        var (response, text) = await emu.PostAsync("v1/responses", body);

        Assert.Equal(400, (int)response.StatusCode);
        Assert.Contains(message, JsonDocument.Parse(text).RootElement.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task EncryptedReasoning_SentBack_IsAccepted()
    {
        await using var emu = await Emu.StartAsync();
        var first = await emu.PostJsonAsync("v1/responses", $$"""{"model":"o4-mini","store":false,"include":["reasoning.encrypted_content"],"input":"hi",{{Tools}}}""");
        var output = first.GetProperty("output");
        Assert.True(output[0].TryGetProperty("encrypted_content", out _));
        string items = string.Join(',', output.EnumerateArray().Select(i => i.GetRawText()));
        var second = await emu.PostJsonAsync("v1/responses",
            $$"""{"model":"o4-mini","store":false,"input":[{"role":"user","content":"hi"},{{items}},{"type":"function_call_output","call_id":"{{output[1].GetProperty("call_id").GetString()}}","output":"ok"}],{{Tools}}}""");
        Assert.Equal("message", second.GetProperty("output").EnumerateArray().Last().GetProperty("type").GetString());
    }

    [Fact]
    public async Task ToolDirectives_ChooseTheToolItsArgumentsOrNoTool()
    {
        await using var emu = await Emu.StartAsync();
        var chosen = await emu.PostJsonAsync("v1/responses", $$"""{"model":"gpt-4o","input":"[[emulator:tool=write;tool_args={\"text\":\"exact\"}]] go",{{Tools}}}""");
        var call = Assert.Single(chosen.GetProperty("output").EnumerateArray());
        Assert.Equal("write", call.GetProperty("name").GetString());
        Assert.Equal("""{"text":"exact"}""", call.GetProperty("arguments").GetString());

        var none = await emu.PostJsonAsync("v1/responses", $$"""{"model":"gpt-4o","input":"[[emulator:tool=none;reply=plain]] go",{{Tools}}}""");
        Assert.Equal("plain", none.GetProperty("output")[0].GetProperty("content")[0].GetProperty("text").GetString());
    }
}
