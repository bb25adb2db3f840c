using System.Net;
using System.Text.Json;
using Candor.Core.Accounts;
using Candor.Core.Receipts;
using Candor.FunctionalTests.Infrastructure;
using Candor.Storage;

namespace Candor.FunctionalTests.Relay;

/// <summary>OpenAI's legacy <c>/v1/completions</c> passed through to upstreams that serve the endpoint themselves (vLLM,
/// OpenAI's completions models, a channel with <c>legacy_completions: true</c>), over raw HTTP (the OpenAI .NET SDK has no
/// legacy completions client): the client's bytes with only the model replaced, the upstream's bytes back, usage metered
/// from the upstream's report, the receipt saying <c>fast</c>; translated to chat elsewhere; a redacted prompt re-encoded on
/// the same wire with its pseudonyms restored; failover from a broken passthrough channel to a translated one.</summary>
public sealed class CompletionsPassthroughTests(CompletionsPassthroughTests.Host host) : IClassFixture<CompletionsPassthroughTests.Host>
{
    private const string Key = "sk-completions-0123456789abcdef";
    private const string PrivateKey = "sk-completions-private-0123456789";

    public sealed class Host : IAsyncLifetime
    {
        public CandorTestHost Candor { get; private set; } = null!;

        /// <summary>A stored key with credit: its requests are metered and charged.</summary>
        public string StoredKey { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            Candor = await Start();
            var store = Candor.Service<RelationalStore>();
            var ct = Json.Timeout();
            var account = await store.CreateAccountAsync("completions", Account.DefaultGroup, ct);
            await store.TopUpAsync(account.Id, 10_000_000, "test", ct);
            var key = await store.CreateKeyAsync(account.Id, "k", ApiKeyLimits.None, isOperator: false, ct);
            await Candor.Service<ApiKeyCache>().RefreshAsync(ct);
            StoredKey = key!.PlaintextKey;
        }

        private static Task<CandorTestHost> Start() => CandorTestHost.Create()
            .Prefix("candor-completions-")
            .Yaml("""
                server:
                  data_dir: data
                channels:
                  - { id: vl, provider: vllm, base_url: "{{emu}}/v1", api_key_env: UPSTREAM_KEY }
                  - { id: vl-off, provider: vllm, base_url: "{{emu}}/v1", api_key_env: UPSTREAM_KEY, legacy_completions: false }
                  - { id: oa, provider: openai, base_url: "{{emu}}/v1", api_key_env: UPSTREAM_KEY }
                  - { id: ds-on, provider: deepseek, base_url: "{{emu}}/v1", api_key_env: UPSTREAM_KEY, legacy_completions: true }
                  - { id: vl-broken, provider: vllm, base_url: "{{emu}}/x/status=503/v1", api_key_env: UPSTREAM_KEY }
                  - { id: an, provider: anthropic, base_url: "{{emu}}", api_key_env: UPSTREAM_KEY }
                models:
                  - { name: m-vllm, deployments: [{ channel: vl, model: qwen2.5-7b }] }
                  - { name: m-vllm-metered, deployments: [{ channel: vl, model: gpt-4o-mini }] }
                  - { name: m-vllm-off, deployments: [{ channel: vl-off, model: qwen2.5-7b }] }
                  - { name: m-instruct, deployments: [{ channel: oa, model: gpt-3.5-turbo-instruct }] }
                  - { name: m-chat, deployments: [{ channel: oa, model: gpt-4o-mini }] }
                  - { name: m-override, deployments: [{ channel: ds-on, model: deepseek-chat }] }
                  - { name: m-anthropic, deployments: [{ channel: an, model: claude-sonnet-4-5 }] }
                  - { name: m-failover, deployments: [{ channel: vl-broken, model: qwen2.5-7b, priority: 0 }, { channel: an, model: claude-sonnet-4-5, priority: 1 }] }
                  - { name: m-failover-back, deployments: [{ channel: vl-broken, model: qwen2.5-7b, priority: 0 }, { channel: vl, model: qwen2.5-7b, priority: 1 }] }
                keys:
                  - { name: t, key_env: CLIENT_KEY }
                  - name: private
                    key_env: PRIVATE_KEY
                    privacy:
                      redaction: { email: pseudonymize }
                """)
            .Env("CLIENT_KEY", Key)
            .Env("PRIVATE_KEY", PrivateKey)
            .StartAsync();

        public Task DisposeAsync() => Candor.DisposeAsync().AsTask();
    }

    private async Task<(HttpResponseMessage Response, string Text)> PostAsync(string body, CancellationToken ct, string key = Key)
    {
        using var client = host.Candor.CreateClient(key);
        var response = await client.PostAsync("/v1/completions", Json.Body(body), ct);
        return (response, await response.Content.ReadAsStringAsync(ct));
    }

    private async Task<JsonElement> ReceiptAsync(HttpResponseMessage response, CancellationToken ct, string key = Key)
    {
        using var client = host.Candor.CreateClient(key);
        string id = response.Headers.GetValues(ReceiptService.Header).Single();
        using var fetched = await client.GetAsync("/v1/receipts/" + id, ct);
        Assert.Equal(HttpStatusCode.OK, fetched.StatusCode);
        using var doc = JsonDocument.Parse(await fetched.Content.ReadAsStringAsync(ct));
        return doc.RootElement.GetProperty("receipt").Clone();
    }

    private static List<(string?, string?)> Listed(JsonElement receipt) =>
        receipt.GetProperty("transformations").EnumerateArray().Select(t => (t.GetProperty("kind").GetString(), t.GetProperty("target").GetString())).ToList();

    [Fact]
    public async Task NonStreamed_ToVllm_IsPassedThrough_BytesBothWays_UsageFromTheUpstream()
    {
        var ct = Json.Timeout();
        string body = """{"model":"m-vllm-metered","prompt":"[[emulator:reply=alpha beta gamma]] pass-whole","max_tokens":30,"temperature":0.1,"top_k":5,"unknown_field":{"kept":true}}""";
        long before = host.Candor.Emulator.Journal.Count;
        var (response, text) = await PostAsync(body, ct, host.StoredKey);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("fast", response.Headers.GetValues("x-candor-path").Single());

        // The upstream got the client's body on its own /completions, only the model replaced (unknown fields kept).
        var forwarded = host.Candor.Emulator.Journal.All.Last(e => e.BodyText.Contains("pass-whole", StringComparison.Ordinal));
        Assert.Equal("/v1/completions", forwarded.Path);
        Assert.Equal(body.Replace("\"m-vllm-metered\"", "\"gpt-4o-mini\"", StringComparison.Ordinal), forwarded.BodyText);
        Assert.Equal(before + 1, host.Candor.Emulator.Journal.Count);

        using var doc = JsonDocument.Parse(text);
        var root = doc.RootElement;
        Assert.Equal("text_completion", root.GetProperty("object").GetString());
        Assert.StartsWith("cmpl-", root.GetProperty("id").GetString(), StringComparison.Ordinal);
        Assert.Equal("alpha beta gamma", root.GetProperty("choices")[0].GetProperty("text").GetString());

        var receipt = await ReceiptAsync(response, ct, host.StoredKey);
        Assert.Equal("fast", receipt.GetProperty("path").GetString());
        Assert.DoesNotContain(("translated", "surface"), Listed(receipt));
        Assert.Empty(receipt.GetProperty("flags").EnumerateArray());
        var usage = root.GetProperty("usage");
        var reported = receipt.GetProperty("usage").GetProperty("reported");
        Assert.Equal(usage.GetProperty("prompt_tokens").GetInt32(), reported.GetProperty("input_tokens").GetInt32());
        Assert.Equal(usage.GetProperty("completion_tokens").GetInt32(), reported.GetProperty("output_tokens").GetInt32());
        Assert.Equal("metered", receipt.GetProperty("metering").GetString());
        Assert.True(receipt.GetProperty("usage").GetProperty("counted").GetProperty("input_tokens").GetInt32() > 0);
        Assert.True(receipt.GetProperty("usage").GetProperty("counted").GetProperty("output_tokens").GetInt32() > 0);
        Assert.True(long.Parse(response.Headers.GetValues("x-candor-charge-micros").Single(), System.Globalization.CultureInfo.InvariantCulture) > 0);
    }

    [Fact]
    public async Task Streamed_ToVllm_RelaysTheUpstreamEventsByteForByte_WithUsage()
    {
        var ct = Json.Timeout();
        using var client = host.Candor.CreateClient(Key);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/completions")
        {
            Content = Json.Body("""{"model":"m-vllm","prompt":["[[emulator:reply=one two three]] pass-stream"],"stream":true,"stream_options":{"include_usage":true},"max_tokens":30}"""),
        };
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("fast", response.Headers.GetValues("x-candor-path").Single());
        var events = await Sse.ReadAllAsync(response, ct);
        Assert.Equal("[DONE]", events[^1].Data);
        var chunks = events[..^1].Select(e => JsonDocument.Parse(e.Data).RootElement).ToList();
        Assert.All(chunks, c => Assert.Equal("text_completion", c.GetProperty("object").GetString()));
        Assert.Equal("one two three", string.Concat(chunks.Where(c => c.GetProperty("choices").GetArrayLength() > 0)
            .Select(c => c.GetProperty("choices")[0].GetProperty("text").GetString())));
        Assert.Equal(0, chunks[^1].GetProperty("choices").GetArrayLength());
        Assert.True(chunks[^1].GetProperty("usage").GetProperty("completion_tokens").GetInt32() > 0);

        // The upstream's own bytes: its model name and its id, which a translated answer would not carry.
        Assert.Equal("qwen2.5-7b", chunks[0].GetProperty("model").GetString());
        Assert.Equal("/v1/completions", host.Candor.Emulator.Journal.All.Last(e => e.BodyText.Contains("pass-stream", StringComparison.Ordinal)).Path);
        var receipt = await ReceiptAsync(response, ct);
        Assert.Equal("fast", receipt.GetProperty("path").GetString());
        Assert.Equal("complete", receipt.GetProperty("outcome").GetString());
    }

    [Fact]
    public async Task StreamedWithoutUsage_ToVllm_IsTranslated_SoUsageStillArrives()
    {
        var ct = Json.Timeout();
        var (response, text) = await PostAsync("""{"model":"m-vllm","prompt":"[[emulator:reply=x y]] no-usage","stream":true,"max_tokens":20}""", ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("translated", response.Headers.GetValues("x-candor-path").Single());
        Assert.Contains("data: [DONE]", text, StringComparison.Ordinal);
        Assert.EndsWith("/chat/completions", host.Candor.Emulator.Journal.All.Last(e => e.BodyText.Contains("no-usage", StringComparison.Ordinal)).Path, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("m-instruct", "fast", "/v1/completions")]
    [InlineData("m-override", "fast", "/v1/completions")]
    [InlineData("m-chat", "translated", "/v1/chat/completions")]
    [InlineData("m-vllm-off", "translated", "/v1/chat/completions")]
    [InlineData("m-anthropic", "translated", "/v1/messages")]
    public async Task ProviderCapabilityAndChannelOverride_DecideThePath(string model, string path, string upstreamPath)
    {
        var ct = Json.Timeout();
        string marker = "decide-" + model;
        var (response, _) = await PostAsync($$"""{"model":"{{model}}","prompt":"[[emulator:reply=ok]] {{marker}}","max_tokens":10}""", ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(path, response.Headers.GetValues("x-candor-path").Single());
        Assert.Equal(upstreamPath, host.Candor.Emulator.Journal.All.Last(e => e.BodyText.Contains(marker, StringComparison.Ordinal)).Path);
        var receipt = await ReceiptAsync(response, ct);
        Assert.Equal(path, receipt.GetProperty("path").GetString());
        Assert.Equal(path == "translated", Listed(receipt).Contains(("translated", "surface")));
        Assert.Empty(receipt.GetProperty("flags").EnumerateArray());
    }

    [Fact]
    public async Task WhatOnlyTheEndpointServes_IsServedOnPassthrough_AndRefusedBeforeSendingElsewhere()
    {
        var ct = Json.Timeout();
        var (response, text) = await PostAsync(
            """{"model":"m-vllm","prompt":["[[emulator:reply=a b]] first","[[emulator:reply=a b]] second"],"n":2,"echo":true,"logprobs":1,"max_tokens":10}""", ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var doc = JsonDocument.Parse(text);
        var choices = doc.RootElement.GetProperty("choices").EnumerateArray().ToList();
        Assert.Equal([0, 1, 2, 3], choices.Select(c => c.GetProperty("index").GetInt32()));
        Assert.StartsWith("[[emulator:reply=a b]] second", choices[3].GetProperty("text").GetString(), StringComparison.Ordinal);
        Assert.Equal(JsonValueKind.Object, choices[0].GetProperty("logprobs").ValueKind);

        long before = host.Candor.Emulator.Journal.Count;
        var (refused, error) = await PostAsync("""{"model":"m-anthropic","prompt":["one","two"]}""", ct);
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        using var envelope = JsonDocument.Parse(error);
        Assert.Equal("prompt", envelope.RootElement.GetProperty("error").GetProperty("param").GetString());
        Assert.Contains("legacy completions", envelope.RootElement.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(before, host.Candor.Emulator.Journal.Count);
    }

    [Fact]
    public async Task Failover_FromABrokenPassthroughChannel_ToATranslatedOne_ReceiptShowsThePath()
    {
        var ct = Json.Timeout();
        var (response, text) = await PostAsync("""{"model":"m-failover","prompt":"[[emulator:reply=after failover]] fo-1","max_tokens":20}""", ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("translated", response.Headers.GetValues("x-candor-path").Single());
        using var doc = JsonDocument.Parse(text);
        Assert.Equal("after failover", doc.RootElement.GetProperty("choices")[0].GetProperty("text").GetString());
        var tried = host.Candor.Emulator.Journal.All.Where(e => e.BodyText.Contains("fo-1", StringComparison.Ordinal)).Select(e => e.Path).ToList();
        Assert.Equal(["/x/status=503/v1/completions", "/v1/messages"], tried);

        var receipt = await ReceiptAsync(response, ct);
        Assert.Equal("translated", receipt.GetProperty("path").GetString());
        Assert.Equal(2, receipt.GetProperty("attempts").GetInt32());
        Assert.Contains(("translated", "surface"), Listed(receipt));

        // A request only a passthrough serves fails over to the next passthrough deployment, never to a translation.
        var (back, _) = await PostAsync("""{"model":"m-failover-back","prompt":"[[emulator:reply=z]] fo-2","echo":true,"max_tokens":5}""", ct);
        Assert.Equal(HttpStatusCode.OK, back.StatusCode);
        Assert.Equal("fast", back.Headers.GetValues("x-candor-path").Single());
        var onlyPassthrough = await PostAsync("""{"model":"m-failover","prompt":"[[emulator:reply=z]] fo-3","echo":true,"max_tokens":5}""", ct);
        Assert.NotEqual(HttpStatusCode.OK, onlyPassthrough.Response.StatusCode);
        Assert.DoesNotContain(host.Candor.Emulator.Journal.All, e => e.BodyText.Contains("fo-3", StringComparison.Ordinal) && e.Path == "/v1/messages");
    }

    [Fact]
    public async Task RedactedPrompt_IsReEncodedOnTheSameWire_AndItsPseudonymsRestored()
    {
        var ct = Json.Timeout();
        var (response, text) = await PostAsync(
            """{"model":"m-vllm","prompt":["[[emulator:reply=done]] mail jane.doe@example.com now"],"echo":true,"stop":["\n\n"],"max_tokens":10}""", ct, PrivateKey);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("translated", response.Headers.GetValues("x-candor-path").Single());

        var forwarded = host.Candor.Emulator.Journal.All.Last(e => e.Path == "/v1/completions" && e.BodyText.Contains("mail ", StringComparison.Ordinal));
        Assert.DoesNotContain("jane.doe@example.com", forwarded.BodyText, StringComparison.Ordinal);
        using var sent = JsonDocument.Parse(forwarded.BodyText);
        Assert.Equal("qwen2.5-7b", sent.RootElement.GetProperty("model").GetString());
        Assert.Equal(JsonValueKind.Array, sent.RootElement.GetProperty("prompt").ValueKind);
        Assert.True(sent.RootElement.GetProperty("echo").GetBoolean());

        // The echoed prompt comes back with the original address, restored by Candor.
        using var doc = JsonDocument.Parse(text);
        Assert.Contains("jane.doe@example.com", doc.RootElement.GetProperty("choices")[0].GetProperty("text").GetString(), StringComparison.Ordinal);
        var receipt = await ReceiptAsync(response, ct, PrivateKey);
        Assert.Contains(("redaction", "email"), Listed(receipt));
        Assert.Contains(("translated", "surface"), Listed(receipt));
        Assert.Empty(receipt.GetProperty("flags").EnumerateArray());
    }

    [Fact]
    public async Task BrokenEventFromThePassthroughUpstream_IsNotRelayed_TheStreamEndsWithAnErrorEvent()
    {
        var ct = Json.Timeout();
        using var client = host.Candor.CreateClient(Key);
        using var response = await client.PostAsync("/v1/completions", Json.Body(
            """{"model":"m-vllm","prompt":"[[emulator:tokens=40;malformed_sse]] broken","stream":true,"stream_options":{"include_usage":true},"max_tokens":60}"""), ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("fast", response.Headers.GetValues("x-candor-path").Single());
        var events = await Sse.ReadAllAsync(response, ct);
        Assert.True(events.Count > 2);
        Assert.All(events, static e => JsonDocument.Parse(e.Data).Dispose());
        Assert.True(JsonDocument.Parse(events[^1].Data).RootElement.TryGetProperty("error", out _));
        Assert.DoesNotContain(events, static e => e.Data == "[DONE]");
    }
}
