using System.Net.Http.Headers;
using System.Text;
using Candor.FunctionalTests.Infrastructure;

namespace Candor.FunctionalTests.Privacy;

/// <summary>Trace context stops at Candor: a client's <c>traceparent</c>, <c>tracestate</c> and <c>baggage</c> (which
/// may carry user ids or e-mail addresses that redaction never sees) do not reach the upstream, and Candor adds no trace
/// headers of its own, on the fast path and the translated path, plain and streamed.</summary>
[Collection(CandorCollection.Name)]
public sealed class TraceContextTests(CandorFixture fixture)
{
    private static readonly string[] TraceHeaders = ["traceparent", "tracestate", "baggage", "request-id", "correlation-context"];

    [Theory]
    [InlineData("m-openai", false)]
    [InlineData("m-openai", true)]
    [InlineData("m-anthropic", false)]
    [InlineData("m-anthropic", true)]
    public async Task ClientTraceContext_DoesNotReachTheUpstream(string model, bool stream)
    {
        using var client = fixture.CreateClient();
        var ct = Json.Timeout();
        string traceId = "0af7651916cd43dd8448eb211c80319c";
        string marker = $"trace-context-{Guid.NewGuid():N}";
        string body = $$"""{"model":"{{model}}","stream":{{(stream ? "true" : "false")}},"messages":[{"role":"user","content":"{{marker}}"}]}""";
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
        {
            Content = new StringContent(body, Encoding.UTF8, new MediaTypeHeaderValue("application/json")),
        };
        request.Headers.TryAddWithoutValidation("traceparent", $"00-{traceId}-b7ad6b7169203331-01");
        request.Headers.TryAddWithoutValidation("tracestate", "vendor=opaque");
        request.Headers.TryAddWithoutValidation("baggage", "user.email=alice%40example.com");
        request.Headers.TryAddWithoutValidation("Request-Id", "|abc.1.");
        request.Headers.TryAddWithoutValidation("Correlation-Context", "user.email=alice%40example.com");

        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseContentRead, ct);
        string text = await response.Content.ReadAsStringAsync(ct);
        Assert.True(response.IsSuccessStatusCode, text);

        var sent = Assert.Single(fixture.Emulator.Journal.All, e => e.BodyText.Contains(marker, StringComparison.Ordinal));
        foreach (string name in TraceHeaders)
        {
            Assert.Null(sent.Header(name));
        }
    }
}
