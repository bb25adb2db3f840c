using System.Collections.Concurrent;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;
using Candor.Core.Accounts;
using Candor.Core.Admission;
using Candor.FunctionalTests.Billing;
using Candor.FunctionalTests.Infrastructure;
using Candor.FunctionalTests.Relay;
using Microsoft.Extensions.DependencyInjection;

namespace Candor.FunctionalTests.Fuzz;

/// <summary>Generated hostile bodies (<see cref="BodyFuzzer"/>) through the real server with a stored, metered key
/// whose concurrency is limited: no 5xx, every error in the surface's envelope, and afterwards no reservation or
/// concurrency slot left behind. <c>CANDOR_FUZZ_COUNT</c> sets the bodies per surface (default 10,000) and
/// <c>CANDOR_FUZZ_SEED</c> the seed (default 13); tests/fuzz.sh runs a longer run.</summary>
public sealed class FuzzTests(BillingHost host) : IClassFixture<BillingHost>
{
    private const int Concurrency = 8;

    private static readonly string[] ChatModels = ["m-openai", "m-anthropic", "m-gemini", "m-deepseek"];

    private static readonly string[] ContentTypes = ["application/json", "text/plain", "application/x-www-form-urlencoded", "application/json; charset=utf-16", "multipart/form-data; boundary=x", ""];

    private static int Count => int.TryParse(Environment.GetEnvironmentVariable("CANDOR_FUZZ_COUNT"), NumberStyles.None, CultureInfo.InvariantCulture, out int n) && n > 0 ? n : 10_000;

    private static int Seed => int.TryParse(Environment.GetEnvironmentVariable("CANDOR_FUZZ_SEED"), NumberStyles.None, CultureInfo.InvariantCulture, out int n) ? n : 13;

    [Theory]
    [InlineData("openai")]
    [InlineData("anthropic")]
    [InlineData("gemini")]
    [InlineData("admin")]
    public async Task GeneratedBodies_NeverGetA5xx_AndErrorsComeInTheEnvelope_AndNothingLeaks(string surface)
    {
        var ct = Json.Timeout(120 + (Count / 50));
        var account = await host.CreateAccountAsync(1_000_000_000_000, ct);
        var limits = new ApiKeyLimits { ConcurrencyLimit = Concurrency };
        var key = await host.CreateKeyAsync(account.Id, limits, ct);
        var target = await host.CreateAccountAsync(0, ct);
        string operatorKey = host.OperatorKey;
        using var client = host.CreateClient(surface == "admin" ? operatorKey : key.PlaintextKey);
        var failures = new ConcurrentQueue<string>();
        var statuses = new ConcurrentDictionary<int, int>();

        await Parallel.ForEachAsync(Enumerable.Range(0, Count), new ParallelOptions { MaxDegreeOfParallelism = Concurrency - 2, CancellationToken = ct }, async (i, token) =>
        {
            var random = new Random(HashCode.Combine(Seed, i, surface));
            var (method, path, template) = Template(surface, random, target.Id);
            byte[] body = BodyFuzzer.Generate(template, Seed, i);
            using var content = new ByteArrayContent(body);
            string type = ContentTypes[random.Next(8) < 6 ? 0 : random.Next(ContentTypes.Length)];
            if (type.Length > 0)
            {
                content.Headers.ContentType = MediaTypeHeaderValue.Parse(type);
            }

            using var request = new HttpRequestMessage(new HttpMethod(method), path) { Content = content };
            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, token);
            byte[] answer = await response.Content.ReadAsByteArrayAsync(token);
            int status = (int)response.StatusCode;
            statuses.AddOrUpdate(status, 1, static (_, n) => n + 1);
            if (status >= 500)
            {
                failures.Enqueue($"#{i} {method} {path}: {status} for {Show(body)}");
            }
            else if (status >= 400 && Envelope(surface, path, answer) is { } problem)
            {
                failures.Enqueue($"#{i} {method} {path}: {status} {problem} for {Show(body)}");
            }
        });

        Assert.True(failures.IsEmpty, $"{failures.Count} of {Count} failed (statuses {string.Join(", ", statuses.OrderBy(static s => s.Key).Select(static s => $"{s.Key}×{s.Value}"))}):\n" + string.Join("\n", failures.Take(20)));

        // Nothing leaked: the book holds no reservation (the whole stored balance can be reserved, not a micro more)
        // and the key's concurrency limit admits as many requests as it allows.
        var summary = (await host.Store.GetSummaryAsync(account.Id, ct))!;
        Assert.Equal(summary.TopUpMicros - summary.UsageChargeMicros, summary.BalanceMicros);
        var book = host.Services.GetRequiredService<BillingBook>();
        var record = key.Record;
        if (host.Postgres is { } pg)
        {
            // On PostgreSQL a reservation is the row of its admitted request, deleted when the request settles; the
            // node's book holds nothing.
            Assert.True(book.ReservesInStore);
            Assert.Equal(0L, (long)(await pg.ExecuteAsync("SELECT COUNT(*) FROM admitted_requests", ct))!);
        }
        else
        {
            Assert.Null(await book.TryReserveAsync(record, summary.BalanceMicros + 1, ct));
            var whole = await book.TryReserveAsync(record, summary.BalanceMicros, ct);
            Assert.NotNull(whole);
            book.Settle(whole, 0);
        }

        var limiter = host.Services.GetRequiredService<RateLimiter>();
        var leases = Enumerable.Range(0, Concurrency).Select(_ => limiter.TryAcquire(record.Id, new RateLimits(null, null, Concurrency), 0)).ToList();
        Assert.All(leases, static d => Assert.True(d.Allowed));
        Assert.False(limiter.TryAcquire(record.Id, new RateLimits(null, null, Concurrency), 0).Allowed);
        leases.ForEach(static d => d.Lease!.Settle(0));
    }

    private static (string Method, string Path, string Template) Template(string surface, Random random, string account)
    {
        var (method, path, template) = RawTemplate(surface, random, account);
        string model = ChatModels[random.Next(ChatModels.Length)];
        string stream = random.Next(3) == 0 ? "true" : "false";
        return (method, path.Replace("MODEL", model, StringComparison.Ordinal), template.Replace("MODEL", model, StringComparison.Ordinal).Replace("STREAM", stream, StringComparison.Ordinal));
    }

    private static (string Method, string Path, string Template) RawTemplate(string surface, Random random, string account)
    {
        switch (surface)
        {
            case "openai":
                return random.Next(5) switch
                {
                    0 => ("POST", "/v1/embeddings", """{"model":"m-embed","input":["a b","c"],"encoding_format":"float","dimensions":8,"user":"u"}"""),
                    1 => ("POST", "/v1/chat/completions", """{"model":"MODEL","messages":[{"role":"user","content":[{"type":"text","text":"hi"},{"type":"image_url","image_url":{"url":"data:image/png;base64,iVBORw0KGgo=","detail":"low"}}]},{"role":"assistant","content":null,"tool_calls":[{"id":"c1","type":"function","function":{"name":"f","arguments":"{\"a\":1}"}}]},{"role":"tool","tool_call_id":"c1","content":"ok"}],"max_tokens":16,"stream":STREAM}"""),
                    _ => ("POST", "/v1/chat/completions", """{"model":"MODEL","messages":[{"role":"system","content":"be brief"},{"role":"user","content":"hi there"}],"max_tokens":16,"temperature":0.5,"top_p":0.9,"stream":STREAM,"stream_options":{"include_usage":true},"tools":[{"type":"function","function":{"name":"f","description":"d","parameters":{"type":"object","properties":{"a":{"type":"string"}}}}}],"tool_choice":"auto","response_format":{"type":"text"},"n":1,"stop":["zz"],"seed":3,"logprobs":false,"user":"u","metadata":{"k":"v"}}"""),
                };
            case "anthropic":
                string anthropicPath = random.Next(4) == 0 ? "/v1/messages/count_tokens" : "/v1/messages";
                return ("POST", anthropicPath, random.Next(2) == 0
                    ? """{"model":"MODEL","max_tokens":16,"stream":STREAM,"messages":[{"role":"user","content":"hi"}]}"""
                    : """{"model":"MODEL","max_tokens":16,"system":[{"type":"text","text":"s","cache_control":{"type":"ephemeral"}}],"messages":[{"role":"user","content":[{"type":"text","text":"hi"},{"type":"image","source":{"type":"base64","media_type":"image/png","data":"iVBORw0KGgo="}}]},{"role":"assistant","content":[{"type":"tool_use","id":"t1","name":"f","input":{"a":1}}]},{"role":"user","content":[{"type":"tool_result","tool_use_id":"t1","content":"ok"}]}],"tools":[{"name":"f","description":"d","input_schema":{"type":"object","properties":{"a":{"type":"integer"}}}}],"tool_choice":{"type":"auto"},"temperature":0.3,"top_k":5,"stream":STREAM,"metadata":{"user_id":"u"},"stop_sequences":["zz"]}""");
            case "gemini":
                string action = random.Next(4) switch
                {
                    0 => ":countTokens",
                    1 => ":streamGenerateContent?alt=sse",
                    _ => ":generateContent",
                };
                return ("POST", $"/v1beta/models/MODEL{action}", random.Next(2) == 0
                    ? """{"contents":[{"role":"user","parts":[{"text":"hi"}]}],"generationConfig":{"maxOutputTokens":16}}"""
                    : """{"contents":[{"role":"user","parts":[{"text":"hi"},{"inlineData":{"mimeType":"image/png","data":"iVBORw0KGgo="}}]},{"role":"model","parts":[{"functionCall":{"name":"f","args":{"a":1}}}]},{"role":"user","parts":[{"functionResponse":{"name":"f","response":{"r":1}}}]}],"systemInstruction":{"parts":[{"text":"s"}]},"tools":[{"functionDeclarations":[{"name":"f","description":"d","parameters":{"type":"OBJECT","properties":{"a":{"type":"STRING"}}}}]}],"toolConfig":{"functionCallingConfig":{"mode":"AUTO"}},"generationConfig":{"maxOutputTokens":16,"temperature":0.2,"topP":0.9,"topK":4,"candidateCount":1,"stopSequences":["zz"],"responseMimeType":"text/plain"},"safetySettings":[{"category":"HARM_CATEGORY_HARASSMENT","threshold":"BLOCK_NONE"}]}""");
            default:
                return random.Next(4) switch
                {
                    0 => ("POST", "/admin/v1/accounts", """{"name":"fuzz","group":"default"}"""),
                    1 => ("POST", $"/admin/v1/accounts/{account}/keys", """{"name":"k","rpm_limit":5,"tpm_limit":100,"allowed_models":["m-openai"],"budget_micros":100,"concurrency_limit":2,"allowed_cidrs":["10.0.0.0/8"],"expires_at":"2030-01-01T00:00:00Z"}"""),
                    2 => ("POST", $"/admin/v1/accounts/{account}/top-ups", """{"amount_micros":1,"note":"n"}"""),
                    _ => ("PATCH", $"/admin/v1/accounts/{account}", """{"name":"x","disabled":false}"""),
                };
        }
    }

    /// <summary>Null when <paramref name="answer"/> is an error in the envelope of the path's surface, else what is wrong.</summary>
    private static string? Envelope(string surface, string path, byte[] answer)
    {
        string envelope = surface switch
        {
            "anthropic" => "anthropic",
            "gemini" => "gemini",
            _ => "openai",
        };
        try
        {
            using var doc = JsonDocument.Parse(answer);
            BadInputTests.AssertEnvelope(envelope, doc.RootElement);
            return null;
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or Xunit.Sdk.XunitException)
        {
            return $"not in the {envelope} envelope ({path}): {Show(answer)}";
        }
    }

    /// <summary>The body as text, bytes outside printable ASCII as \xNN, cut at 1,500 bytes.</summary>
    private static string Show(byte[] bytes)
    {
        var text = new System.Text.StringBuilder();
        foreach (byte b in bytes.Take(1500))
        {
            text.Append(b is >= 0x20 and < 0x7F and not (byte)'\\' ? ((char)b).ToString() : "\\x" + b.ToString("X2", CultureInfo.InvariantCulture));
        }

        return bytes.Length > 1500 ? text.Append($"… ({bytes.Length} bytes)").ToString() : text.ToString();
    }
}
