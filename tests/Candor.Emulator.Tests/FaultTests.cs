using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;

namespace Candor.Emulator.Tests;

public sealed class FaultTests
{
    private static string Chat(string content = "Tell me a story", string extra = "", string model = "gpt-4o") =>
        $$"""{"model":"{{model}}","messages":[{"role":"user","content":"{{content}}"}]{{extra}}}""";

    private static string Text(JsonElement root) => root.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString()!;

    [Fact]
    public async Task Status429_HasRetryAfterAndEnvelope()
    {
        await using var emu = await Emu.StartAsync();
        emu.Host.EnqueueFault("status=429;retry_after=7");
        var (response, body) = await emu.PostAsync("v1/chat/completions", Chat());
        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(7), response.Headers.RetryAfter?.Delta);
        Assert.Equal("rate_limit_exceeded", JsonDocument.Parse(body).RootElement.GetProperty("error").GetProperty("code").GetString());

        emu.Host.EnqueueFault("status=429");
        var (defaulted, _) = await emu.PostAsync("v1/chat/completions", Chat());
        Assert.Equal(TimeSpan.FromSeconds(1), defaulted.Headers.RetryAfter?.Delta);

        var (after, _) = await emu.PostAsync("v1/chat/completions", Chat());
        Assert.Equal(HttpStatusCode.OK, after.StatusCode);
    }

    [Fact]
    public async Task Hang_EndsWhenTheClientCancels()
    {
        await using var emu = await Emu.StartAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(400));
        var watch = Stopwatch.StartNew();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            emu.Client.SendAsync(Emu.Post("v1/chat/completions", Chat("[[emulator:hang]]")), cts.Token).WaitAsync(Emu.Timeout));
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5));
        Assert.Equal(1, emu.Host.Journal.Count);
    }

    [Fact]
    public async Task Hang_EndsWhenTheEmulatorStops()
    {
        var emu = await Emu.StartAsync();
        emu.Host.EnqueueFault("hang");
        var pending = emu.Client.SendAsync(Emu.Post("v1/chat/completions", Chat()));
        while (emu.Host.Journal.Count == 0)
        {
            await Task.Delay(10).WaitAsync(Emu.Timeout);
        }

        await emu.DisposeAsync();
        await Assert.ThrowsAnyAsync<Exception>(() => pending.WaitAsync(Emu.Timeout));
    }

    [Fact]
    public async Task DisconnectAfter_BreaksTheStreamWithIOException()
    {
        await using var emu = await Emu.StartAsync();
        emu.Host.EnqueueFault("disconnect_after=3");
        using var request = Emu.Post("v1/chat/completions", Chat(extra: ""","stream":true"""));
        using var cts = new CancellationTokenSource(Emu.Timeout);
        using var response = await emu.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cts.Token).WaitAsync(Emu.Timeout);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        await using var stream = await response.Content.ReadAsStreamAsync(cts.Token).WaitAsync(Emu.Timeout);
        var received = new MemoryStream();
        await Assert.ThrowsAnyAsync<IOException>(() => stream.CopyToAsync(received, cts.Token).WaitAsync(Emu.Timeout));
        var events = Sse.Parse(Encoding.UTF8.GetString(received.ToArray()));
        Assert.True(events.Count == 3, $"{events.Count} events");
        Assert.DoesNotContain(events, e => e.Data == "[DONE]");
    }

    [Fact]
    public async Task DisconnectAfter_TruncatesAJsonAnswer()
    {
        await using var emu = await Emu.StartAsync();
        emu.Host.EnqueueFault("disconnect_after=0");
        using var cts = new CancellationTokenSource(Emu.Timeout);
        await Assert.ThrowsAnyAsync<HttpRequestException>(async () =>
        {
            using var response = await emu.Client.SendAsync(Emu.Post("v1/chat/completions", Chat()), cts.Token).WaitAsync(Emu.Timeout);
        });
    }

    [Fact]
    public async Task MalformedSse_SendsOneGarbledEvent()
    {
        await using var emu = await Emu.StartAsync();
        var (_, body) = await emu.PostAsync("v1/messages",
            """{"model":"claude","max_tokens":100,"stream":true,"messages":[{"role":"user","content":"hi [[emulator:malformed_sse]]"}]}""",
            Emu.AnthropicVersion);
        var events = Sse.Parse(body);
        var broken = events.Where(e =>
        {
            try
            {
                JsonDocument.Parse(e.Data).Dispose();
                return false;
            }
            catch (JsonException)
            {
                return true;
            }
        }).ToList();
        Assert.Single(broken);
        Assert.Equal("message_stop", events[^1].Event);
    }

    [Fact]
    public async Task WrongContentType_AnswersHtml()
    {
        await using var emu = await Emu.StartAsync();
        var (response, body) = await emu.PostAsync("v1beta/models/gemini-2.0-flash:generateContent",
            """{"contents":[{"parts":[{"text":"[[emulator:wrong_content_type]]"}]}]}""");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        Assert.StartsWith("<!DOCTYPE html>", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ServeModelAndReportModel_SubstituteQuietly()
    {
        await using var emu = await Emu.StartAsync();
        var honest = await emu.PostJsonAsync("v1/chat/completions", Chat(model: "gpt-4o-mini"));
        emu.Host.EnqueueFault("serve_model=gpt-4o-mini");
        var substituted = await emu.PostJsonAsync("v1/chat/completions", Chat(model: "gpt-4o"));
        Assert.Equal("gpt-4o", substituted.GetProperty("model").GetString());
        Assert.Equal(Text(honest), Text(substituted));
        Assert.NotEqual(Text(honest), Text(await emu.PostJsonAsync("v1/chat/completions", Chat(model: "gpt-4o"))));

        emu.Host.EnqueueFault("report_model=gpt-9");
        var reported = await emu.PostJsonAsync("v1/chat/completions", Chat());
        Assert.Equal("gpt-9", reported.GetProperty("model").GetString());
    }

    [Fact]
    public async Task InflateUsage_InflatesReportedCompletionTokens()
    {
        await using var emu = await Emu.StartAsync();
        var root = await emu.PostJsonAsync("v1/chat/completions", Chat("hi [[emulator:tokens=20;inflate_usage=50]]"));
        Assert.Equal(20, Text(root).Split(' ').Length);
        Assert.Equal(30, root.GetProperty("usage").GetProperty("completion_tokens").GetInt32());
    }

    [Fact]
    public async Task LowerMaxTokens_CapsSilently()
    {
        await using var emu = await Emu.StartAsync();
        var root = await emu.PostJsonAsync("v1/chat/completions", Chat("hi [[emulator:lower_max_tokens=5]]", ""","max_tokens":100"""));
        Assert.Equal(5, Text(root).Split(' ').Length);
        Assert.Equal("stop", root.GetProperty("choices")[0].GetProperty("finish_reason").GetString());
    }

    [Fact]
    public async Task ReplyAndTokens_ControlTheAnswer()
    {
        await using var emu = await Emu.StartAsync();
        var reply = await emu.PostJsonAsync("v1/chat/completions", Chat("[[emulator:reply=Hello there, world!]]"));
        Assert.Equal("Hello there, world!", Text(reply));
        Assert.Equal(3, reply.GetProperty("usage").GetProperty("completion_tokens").GetInt32());

        var tokens = await emu.PostJsonAsync("v1/chat/completions", Chat("[[emulator:tokens=77]]"));
        Assert.Equal(77, Text(tokens).Split(' ').Length);
    }

    [Fact]
    public async Task LatencyAndChunkDelays_AreApplied()
    {
        await using var emu = await Emu.StartAsync();
        var watch = Stopwatch.StartNew();
        await emu.PostJsonAsync("v1/chat/completions", Chat("[[emulator:latency_ms=300]]"));
        Assert.True(watch.ElapsedMilliseconds >= 280, $"{watch.ElapsedMilliseconds} ms");

        watch.Restart();
        var (_, body) = await emu.PostAsync("v1/chat/completions", Chat("[[emulator:tokens=4;ttft_ms=100;chunk_ms=50]]", ""","stream":true"""));
        Assert.True(watch.ElapsedMilliseconds >= 330, $"{watch.ElapsedMilliseconds} ms");
        Assert.Equal("[DONE]", Sse.Parse(body)[^1].Data);
    }

    [Fact]
    public async Task EchoError_PutsThePromptInTheErrorBody()
    {
        await using var emu = await Emu.StartAsync();
        var (response, body) = await emu.PostAsync("v1/chat/completions", Chat("secret-marker-123 [[emulator:echo_error;status=422]]"));
        Assert.Equal(422, (int)response.StatusCode);
        Assert.Contains("secret-marker-123", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PathPrefix_AppliesSpecToEveryRequestOnThatPath()
    {
        await using var emu = await Emu.StartAsync();
        for (var i = 0; i < 2; i++)
        {
            var (response, _) = await emu.PostAsync("x/status=503/v1/chat/completions", Chat());
            Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        }

        var reply = await emu.PostJsonAsync("x/reply=Hi%20you;report_model=m2/v1/chat/completions", Chat());
        Assert.Equal("Hi you", Text(reply));
        Assert.Equal("m2", reply.GetProperty("model").GetString());
        Assert.Equal("/x/reply=Hi you;report_model=m2/v1/chat/completions", emu.Host.Journal.Last!.Path);

        var gemini = await emu.PostJsonAsync("x/tokens=2/v1beta/models/g:generateContent", """{"contents":[{"parts":[{"text":"x"}]}]}""");
        Assert.Equal(2, gemini.GetProperty("usageMetadata").GetProperty("candidatesTokenCount").GetInt32());
    }

    [Fact]
    public async Task ControlEndpoint_QueuesFaultsForTheNextRequests()
    {
        await using var emu = await Emu.StartAsync();
        var (control, _) = await emu.PostAsync("_emulator/faults", """{"spec":"status=500","count":2}""");
        Assert.Equal(HttpStatusCode.NoContent, control.StatusCode);
        Assert.Equal(HttpStatusCode.InternalServerError, (await emu.PostAsync("v1/chat/completions", Chat())).Response.StatusCode);
        Assert.Equal(HttpStatusCode.InternalServerError, (await emu.PostAsync("v1/chat/completions", Chat())).Response.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await emu.PostAsync("v1/chat/completions", Chat())).Response.StatusCode);
        Assert.Equal(3, emu.Host.Journal.Count);
    }

    [Fact]
    public async Task DirectiveInSystemMessage_Applies()
    {
        await using var emu = await Emu.StartAsync();
        var root = await emu.PostJsonAsync("v1/messages",
            """{"model":"claude","max_tokens":100,"system":[{"type":"text","text":"[[emulator:reply=ok]]"}],"messages":[{"role":"user","content":"hi"}]}""",
            Emu.AnthropicVersion);
        Assert.Equal("ok", root.GetProperty("content")[0].GetProperty("text").GetString());
        Assert.Equal(1, root.GetProperty("usage").GetProperty("output_tokens").GetInt32());
    }
}
