using System.Text;
using System.Text.Json;
using Candor.Emulator;
using Candor.FunctionalTests.Infrastructure;

namespace Candor.FunctionalTests.Privacy;

/// <summary>Redaction through the real server on every surface, streamed and not: what the upstream (the
/// emulator's journal) received, and what the client got back.</summary>
[Collection(RedactionCollection.Name)]
public sealed class RedactionTests(RedactionFixture fixture)
{
    private const string Email = "alice@example.com";
    private const string Phone = "13812345678";
    private const string SystemPhone = "+86 159 1234 5678";
    private const string Secret = "sk-proj-AbCdEfGhIjKlMnOpQrStUvWxYz0123456789";
    private const string Reply = $"Write to {Email} or call {Phone} today";
    private const string User = $"[[emulator:reply={Reply}]] 我的邮箱是{Email}，key {Secret}.";
    private const string System = $"Support line {SystemPhone}";

    public static TheoryData<string, bool> Surfaces => new()
    {
        { "openai", false }, { "openai", true }, { "anthropic", false }, { "anthropic", true }, { "gemini", false }, { "gemini", true },
    };

    [Theory]
    [MemberData(nameof(Surfaces))]
    public async Task Pseudonymized_NeverReachTheUpstream_AndComeBackToTheClient(string surface, bool stream)
    {
        using var client = fixture.CreateClient();
        var ct = Json.Timeout();
        using var response = await SendAsync(client, surface, stream, System, User, ct);
        string body = await response.Content.ReadAsStringAsync(ct);
        Assert.True(200 == (int)response.StatusCode, body);
        Assert.Equal("translated", response.Headers.GetValues("x-candor-path").Single());
        Assert.Equal("secret=1,email=2,phone=2", response.Headers.GetValues("x-candor-redactions").Single());
        Assert.Equal("regions=any; upstream_retention=any; training=any; retention=none; redaction=secret:mask,email:pseudonymize,cn_id:block,phone:pseudonymize",
            response.Headers.GetValues("x-candor-privacy-policy").Single());

        var sent = fixture.Emulator.Journal.Last!;
        AssertRedacted(sent, Email, Phone, "159 1234 5678", Secret);
        string strings = Json.Strings(sent.BodyText);
        Assert.Contains("⟦EMAIL_1⟧", strings, StringComparison.Ordinal);
        Assert.Contains("⟦PHONE_", strings, StringComparison.Ordinal);
        Assert.Contains("[SECRET]", strings, StringComparison.Ordinal);
        Assert.Contains("Support line ⟦PHONE_", strings, StringComparison.Ordinal);

        Assert.Equal(Reply, ClientText(surface, stream, body).Trim());

        // The receipt lists what redaction changed, by entity type and count, and holds none of the values.
        string receiptId = response.Headers.GetValues("x-candor-receipt").Single();
        using var receiptResponse = await client.GetAsync("/v1/receipts/" + receiptId, ct);
        string receiptText = await receiptResponse.Content.ReadAsStringAsync(ct);
        Assert.True(200 == (int)receiptResponse.StatusCode, receiptText);
        using var receipt = JsonDocument.Parse(receiptText);
        var redactions = FindTransformations(receipt.RootElement).Where(t => t.GetProperty("kind").GetString() == "redaction")
            .ToDictionary(t => t.GetProperty("target").GetString()!, t => t.GetProperty("detail").GetString());
        Assert.Equal("2", redactions["email"]);
        Assert.Equal("2", redactions["phone"]);
        Assert.Equal("1", redactions["secret"]);
        foreach (string value in new[] { Email, Phone, Secret, "159 1234 5678" })
        {
            Assert.DoesNotContain(value, receiptText, StringComparison.Ordinal);
        }
    }

    private static IEnumerable<JsonElement> FindTransformations(JsonElement element)
    {
        if (element.ValueKind == JsonValueKind.Object)
        {
            foreach (var property in element.EnumerateObject())
            {
                if (property.Name == "transformations" && property.Value.ValueKind == JsonValueKind.Array)
                {
                    foreach (var t in property.Value.EnumerateArray())
                    {
                        yield return t;
                    }
                }
                else
                {
                    foreach (var t in FindTransformations(property.Value))
                    {
                        yield return t;
                    }
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(Surfaces))]
    public async Task BlockedEntity_IsRefusedInTheSurfaceEnvelope_AndNothingIsSent(string surface, bool stream)
    {
        using var client = fixture.CreateClient();
        var ct = Json.Timeout();
        var before = fixture.Emulator.Journal.Last;
        using var response = await SendAsync(client, surface, stream, "Be brief.", "身份证号11010519491231002X，请核对", ct);
        string body = await response.Content.ReadAsStringAsync(ct);
        Assert.Equal(400, (int)response.StatusCode);
        Assert.Same(before, fixture.Emulator.Journal.Last);
        Assert.Contains("cn_id", body, StringComparison.Ordinal);
        Assert.DoesNotContain("11010519491231002X", body, StringComparison.Ordinal);
        using var doc = JsonDocument.Parse(body);
        switch (surface)
        {
            case "anthropic":
                Assert.Equal("error", doc.RootElement.GetProperty("type").GetString());
                Assert.Equal("invalid_request_error", doc.RootElement.GetProperty("error").GetProperty("type").GetString());
                break;
            case "gemini":
                Assert.Equal(400, doc.RootElement.GetProperty("error").GetProperty("code").GetInt32());
                break;
            default:
                Assert.Equal("privacy_blocked", doc.RootElement.GetProperty("error").GetProperty("code").GetString());
                break;
        }
    }

    [Fact]
    public async Task KeyPolicy_NarrowsTheServerDefault()
    {
        using var client = fixture.CreateClient(RedactionFixture.StrictKey);
        var ct = Json.Timeout();
        var before = fixture.Emulator.Journal.Last;
        using var response = await SendAsync(client, "openai", false, "Be brief.", $"mail {Email}", ct);
        string body = await response.Content.ReadAsStringAsync(ct);
        Assert.Equal(400, (int)response.StatusCode);
        Assert.Contains("'email'", body, StringComparison.Ordinal);
        Assert.DoesNotContain(Email, body, StringComparison.Ordinal);
        Assert.Same(before, fixture.Emulator.Journal.Last);
        Assert.EndsWith("; redaction=secret:mask,email:block,cn_id:block,phone:pseudonymize", response.Headers.GetValues("x-candor-privacy-policy").Single(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task NothingFound_KeepsTheFastPath()
    {
        using var client = fixture.CreateClient();
        var ct = Json.Timeout();
        const string body = """{"model":"m-openai","messages":[{"role":"user","content":"[[emulator:reply=ok]] 你好, nothing personal here at 10:30"}]}""";
        using var response = await client.PostAsync("/v1/chat/completions", Json.Body(body), ct);
        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal("fast", response.Headers.GetValues("x-candor-path").Single());
        Assert.False(response.Headers.Contains("x-candor-redactions"));
        Assert.Equal(body.Replace("m-openai", "gpt-4o-mini", StringComparison.Ordinal), fixture.Emulator.Journal.Last!.BodyText);
    }

    [Theory]
    [InlineData("m-openai", false)]
    [InlineData("m-openai", true)]
    [InlineData("m-anthropic", false)]
    [InlineData("m-anthropic", true)]
    [InlineData("m-gemini", true)]
    public async Task ToolCallArguments_AreRestored_AndToolDescriptionsRedacted(string model, bool stream)
    {
        using var client = fixture.CreateClient();
        var ct = Json.Timeout();
        // The schema makes the model answer with the placeholder it was given, as a model quoting the user would.
        string body = $$$$"""
            {"model":"{{{{model}}}}","stream":{{{{(stream ? "true" : "false")}}}},"messages":[{"role":"user","content":"send a note to {{{{Email}}}}"}],
             "tools":[{"type":"function","function":{"name":"send_mail","description":"Escalations go to 13900001111","parameters":{"type":"object","properties":{"to":{"type":"string","enum":["⟦EMAIL_1⟧"]}},"required":["to"]}}}]}
            """;
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions") { Content = Json.Body(body) };
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
        string text = await response.Content.ReadAsStringAsync(ct);
        Assert.True(200 == (int)response.StatusCode, text);
        Assert.Equal("email=1,phone=1", response.Headers.GetValues("x-candor-redactions").Single());
        AssertRedacted(fixture.Emulator.Journal.Last!, Email, "13900001111");

        string arguments;
        if (stream)
        {
            var sb = new StringBuilder();
            foreach (var e in ParseSse(text).Where(e => e.Data != "[DONE]"))
            {
                using var doc = JsonDocument.Parse(e.Data);
                if (doc.RootElement.GetProperty("choices") is { ValueKind: JsonValueKind.Array } choices && choices.GetArrayLength() > 0
                    && choices[0].GetProperty("delta").TryGetProperty("tool_calls", out var calls))
                {
                    foreach (var call in calls.EnumerateArray())
                    {
                        if (call.GetProperty("function").TryGetProperty("arguments", out var a))
                        {
                            sb.Append(a.GetString());
                        }
                    }
                }
            }

            arguments = sb.ToString();
        }
        else
        {
            using var doc = JsonDocument.Parse(text);
            arguments = doc.RootElement.GetProperty("choices")[0].GetProperty("message").GetProperty("tool_calls")[0].GetProperty("function").GetProperty("arguments").GetString()!;
        }

        using var args = JsonDocument.Parse(arguments);
        Assert.Equal(Email, args.RootElement.GetProperty("to").GetString());
    }

    [Fact]
    public async Task ToolCallsAndToolResults_InTheConversation_AreRedacted()
    {
        using var client = fixture.CreateClient();
        var ct = Json.Timeout();
        string body = $$$$"""
            {"model":"m-anthropic","max_tokens":50,"messages":[
              {"role":"user","content":"look up my account"},
              {"role":"assistant","content":null,"tool_calls":[{"id":"call_1","type":"function","function":{"name":"lookup","arguments":"{\"email\":\"{{{{Email}}}}\"}"}}]},
              {"role":"tool","tool_call_id":"call_1","content":"account of bob@example.org, phone {{{{Phone}}}}"}],
             "tools":[{"type":"function","function":{"name":"lookup","parameters":{"type":"object","properties":{"email":{"type":"string"} } } } }]}
            """;
        using var response = await client.PostAsync("/v1/chat/completions", Json.Body(body), ct);
        Assert.True(200 == (int)response.StatusCode, await response.Content.ReadAsStringAsync(ct));
        var sent = fixture.Emulator.Journal.Last!;
        AssertRedacted(sent, Email, "bob@example.org", Phone);
        string strings = Json.Strings(sent.BodyText);
        Assert.Contains("⟦EMAIL_2⟧", strings, StringComparison.Ordinal);
        Assert.Contains("⟦PHONE_1⟧", strings, StringComparison.Ordinal);
        Assert.Contains("⟦EMAIL_1⟧", strings, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EmbeddingInputs_AreRedacted()
    {
        using var client = fixture.CreateClient();
        var ct = Json.Timeout();
        using var response = await client.PostAsync("/v1/embeddings", Json.Body($$"""{"model":"m-embed","input":["mail {{Email}}","no data"]}"""), ct);
        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal("email=1", response.Headers.GetValues("x-candor-redactions").Single());
        var sent = fixture.Emulator.Journal.Last!;
        AssertRedacted(sent, Email);
        Assert.Contains("mail ⟦EMAIL_1⟧", Json.Strings(sent.BodyText), StringComparison.Ordinal);
    }

    [Fact]
    public async Task CountTokens_IsRedactedBeforeTheUpstreamCounts()
    {
        using var client = fixture.CreateClient();
        var ct = Json.Timeout();
        using var response = await client.PostAsync("/v1/messages/count_tokens",
            Json.Body($$"""{"model":"m-anthropic","messages":[{"role":"user","content":"mail {{Email}}"}]}"""), ct);
        Assert.Equal(200, (int)response.StatusCode);
        var sent = fixture.Emulator.Journal.Last!;
        Assert.EndsWith("/count_tokens", sent.Path, StringComparison.Ordinal);
        AssertRedacted(sent, Email);
    }

    private static void AssertRedacted(JournalEntry sent, params string[] originals)
    {
        string raw = sent.BodyText, decoded = Json.Strings(sent.BodyText);
        foreach (string original in originals)
        {
            Assert.DoesNotContain(original, raw, StringComparison.Ordinal);
            Assert.DoesNotContain(original, decoded, StringComparison.Ordinal);
        }
    }

    private static async Task<HttpResponseMessage> SendAsync(HttpClient client, string surface, bool stream, string system, string user, CancellationToken ct)
    {
        string sys = JsonSerializer.Serialize(system), usr = JsonSerializer.Serialize(user), s = stream ? "true" : "false";
        var (path, body) = surface switch
        {
            "anthropic" => ("/v1/messages", $$"""{"model":"m-anthropic","max_tokens":64,"stream":{{s}},"system":{{sys}},"messages":[{"role":"user","content":{{usr}}}]}"""),
            "gemini" => (stream ? "/v1beta/models/m-gemini:streamGenerateContent?alt=sse" : "/v1beta/models/m-gemini:generateContent",
                $$"""{"systemInstruction":{"parts":[{"text":{{sys}}}]},"contents":[{"role":"user","parts":[{"text":{{usr}}}]}]}"""),
            _ => ("/v1/chat/completions", $$"""{"model":"m-openai","stream":{{s}},"messages":[{"role":"system","content":{{sys}}},{"role":"user","content":{{usr}}}]}"""),
        };
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = Json.Body(body) };
        return await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
    }

    private static string ClientText(string surface, bool stream, string body)
    {
        var sb = new StringBuilder();
        var documents = stream ? ParseSse(body).Where(e => e.Data != "[DONE]").Select(e => e.Data) : [body];
        foreach (string json in documents)
        {
            using var doc = JsonDocument.Parse(json);
            var root = doc.RootElement;
            switch (surface)
            {
                case "openai":
                    var choice = root.GetProperty("choices");
                    if (choice.GetArrayLength() > 0)
                    {
                        var m = choice[0].GetProperty(stream ? "delta" : "message");
                        if (m.TryGetProperty("content", out var c) && c.ValueKind == JsonValueKind.String)
                        {
                            sb.Append(c.GetString());
                        }
                    }

                    break;
                case "anthropic":
                    if (!stream)
                    {
                        foreach (var block in root.GetProperty("content").EnumerateArray().Where(b => b.GetProperty("type").GetString() == "text"))
                        {
                            sb.Append(block.GetProperty("text").GetString());
                        }
                    }
                    else if (root.GetProperty("type").GetString() == "content_block_delta" && root.GetProperty("delta").TryGetProperty("text", out var t))
                    {
                        sb.Append(t.GetString());
                    }

                    break;
                default:
                    if (root.TryGetProperty("candidates", out var candidates))
                    {
                        foreach (var part in candidates[0].GetProperty("content").GetProperty("parts").EnumerateArray())
                        {
                            if (part.TryGetProperty("text", out var text) && !part.TryGetProperty("thought", out _))
                            {
                                sb.Append(text.GetString());
                            }
                        }
                    }

                    break;
            }
        }

        return sb.ToString();
    }

    private static List<Sse.Event> ParseSse(string body)
    {
        var events = new List<Sse.Event>();
        foreach (string block in body.Replace("\r\n", "\n", StringComparison.Ordinal).Split("\n\n", StringSplitOptions.RemoveEmptyEntries))
        {
            string? type = null;
            var data = new List<string>();
            foreach (string line in block.Split('\n'))
            {
                if (line.StartsWith("event:", StringComparison.Ordinal))
                {
                    type = line[6..].Trim();
                }
                else if (line.StartsWith("data:", StringComparison.Ordinal))
                {
                    data.Add(line[5..].TrimStart(' '));
                }
            }

            if (data.Count > 0)
            {
                events.Add(new Sse.Event(type, string.Join('\n', data)));
            }
        }

        return events;
    }
}
