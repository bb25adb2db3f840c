using Candor.FunctionalTests.Infrastructure;

namespace Candor.FunctionalTests.Relay;

/// <summary>A client that stops reading slows the upstream down instead of making Candor hold the answer: the relay
/// flushes at least every 64 KB or 64 events, and a flush waits while the client's buffers are full.</summary>
[Collection(CandorCollection.Name)]
public sealed class BackpressureTests(CandorFixture fixture)
{
    private const int Tokens = 120_000; // one SSE event per token, about 35 MB through the fast path

    [Fact]
    public async Task ClientThatStopsReading_StallsTheUpstream_AndLosesNothing()
    {
        using var client = fixture.CreateClient();
        client.DefaultRequestHeaders.Add("x-api-key", CandorFixture.Key);
        var ct = Json.Timeout(180);
        long before = fixture.Emulator.Journal.FramesWritten;
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
        {
            Content = Json.Body($$"""{"model":"m-openai","stream":true,"messages":[{"role":"user","content":"[[emulator:tokens={{Tokens}}]] go"}]}"""),
        };
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
        Assert.Equal(200, (int)response.StatusCode);

        // The client reads nothing. Wait until the upstream makes no progress for two seconds: the socket and pipe
        // buffers between the emulator and this client are full. Without backpressure Candor would keep reading
        // the upstream into memory until the whole answer was sent.
        long last = -1, current = fixture.Emulator.Journal.FramesWritten - before;
        var stalledSince = DateTime.UtcNow;
        while (DateTime.UtcNow - stalledSince < TimeSpan.FromSeconds(2))
        {
            await Task.Delay(200, ct);
            last = current;
            current = fixture.Emulator.Journal.FramesWritten - before;
            if (current != last)
            {
                stalledSince = DateTime.UtcNow;
            }
        }

        Assert.InRange(current, 1, Tokens / 2);

        // Reading again, the client gets every event.
        var events = await Sse.ReadAllAsync(response, ct);
        Assert.Equal("[DONE]", events[^1].Data);
        Assert.True(events.Count > Tokens, events.Count.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.True(fixture.Emulator.Journal.FramesWritten - before > Tokens);
    }
}
