using System.Text.Json;
using Candor.Core.Accounts;
using Candor.FunctionalTests.Infrastructure;
using Xunit.Abstractions;

namespace Candor.FunctionalTests.Billing;

/// <summary>Several choices (OpenAI <c>n</c>, Gemini <c>candidateCount</c>) are reserved and charged for every choice
/// (the prompt once), on both surfaces, fast path and translated, whole and streamed; a count above
/// <c>server.max_choices</c> (default 8) is a 400 in the surface's envelope and costs nothing.</summary>
public sealed class ChoicesBillingTests(BillingHost host, ITestOutputHelper output) : IClassFixture<BillingHost>
{
    private const int Tokens = 80;

    public static TheoryData<string, string, bool> Cases => new()
    {
        { "openai", "m-openai", false },
        { "openai", "m-openai", true },
        { "openai", "m-gemini", false },
        { "openai", "m-gemini", true },
        { "gemini", "m-gemini", false },
        { "gemini", "m-gemini", true },
        { "gemini", "m-openai", false },
        { "gemini", "m-openai", true },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task EightChoices_AreChargedAboutEightTimesOne(string surface, string model, bool stream)
    {
        var ct = Json.Timeout(60);
        var (one, oneChoices) = await RunAsync(surface, model, stream, 1, ct);
        var (eight, eightChoices) = await RunAsync(surface, model, stream, 8, ct);
        Assert.Equal(1, oneChoices);
        Assert.Equal(8, eightChoices);
        Assert.Equal(UsageOutcome.Complete, one.Outcome);
        Assert.Equal(UsageOutcome.Complete, eight.Outcome);

        // The prompt is billed once and the output of every choice: about 8 × one (a little under, for the prompt).
        double ratio = (double)eight.ChargeMicros / one.ChargeMicros;
        output.WriteLine($"{surface} {model} stream={stream}: one {one.ChargeMicros} µ$ ({one.CountedOutputTokens} counted), eight {eight.ChargeMicros} µ$ ({eight.CountedOutputTokens} counted), ratio {ratio:0.00}");
        Assert.InRange(ratio, 7.0, 8.05);

        // Candor's own count covers every choice too (it is the bill when the upstream reports no usage).
        double counted = (double)eight.CountedOutputTokens!.Value / one.CountedOutputTokens!.Value;
        Assert.InRange(counted, 7.0, 9.0);
    }

    [Theory]
    [InlineData("openai", 9)]
    [InlineData("openai", 0)]
    [InlineData("openai", 128)]
    [InlineData("gemini", 9)]
    [InlineData("gemini", 0)]
    public async Task ChoicesOutsideTheLimit_AreRefusedWith400InTheSurfaceEnvelope_AndCostNothing(string surface, int n)
    {
        var ct = Json.Timeout(30);
        var account = await host.CreateAccountAsync(100_000_000, ct);
        var key = await host.CreateKeyAsync(account.Id, ApiKeyLimits.None, ct);
        using var client = host.CreateClient(key.PlaintextKey);
        using var response = await client.PostAsync(Path(surface, "m-openai", stream: false), Json.Body(Body(surface, "m-openai", stream: false, n)), ct);
        Assert.Equal(400, (int)response.StatusCode);
        var error = (await Json.ReadAsync(response, ct)).GetProperty("error");
        if (surface == "openai")
        {
            Assert.Equal("invalid_request_error", error.GetProperty("type").GetString());
            Assert.Equal("n", error.GetProperty("param").GetString());
        }
        else
        {
            Assert.Equal("INVALID_ARGUMENT", error.GetProperty("status").GetString());
            Assert.Contains("candidateCount", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        }

        Assert.Empty((await host.Store.ListUsageAsync(account.Id, key.Record.Id, 10, null, ct)).Items);
        Assert.Equal(100_000_000, await host.Store.GetBalanceAsync(account.Id, ct));
    }

    /// <summary>One request of a fresh key; its usage record and the number of choices the client received.</summary>
    private async Task<(UsageRecord Usage, int Choices)> RunAsync(string surface, string model, bool stream, int n, CancellationToken ct)
    {
        var account = await host.CreateAccountAsync(100_000_000, ct);
        var key = await host.CreateKeyAsync(account.Id, ApiKeyLimits.None, ct);
        using var client = host.CreateClient(key.PlaintextKey);
        using var response = await client.PostAsync(Path(surface, model, stream), Json.Body(Body(surface, model, stream, n)), ct);
        Assert.Equal(200, (int)response.StatusCode);
        var indexes = new HashSet<int>();
        if (stream)
        {
            foreach (var e in await Sse.ReadAllAsync(response, ct))
            {
                if (e.Data != "[DONE]")
                {
                    using var doc = JsonDocument.Parse(e.Data);
                    Collect(doc.RootElement, surface, indexes);
                }
            }
        }
        else
        {
            Collect(await Json.ReadAsync(response, ct), surface, indexes);
        }

        var usage = (await host.Store.ListUsageAsync(account.Id, key.Record.Id, 10, null, ct)).Items.Single();
        return (usage, indexes.Count);
    }

    private static void Collect(JsonElement root, string surface, HashSet<int> indexes)
    {
        if (root.TryGetProperty(surface == "openai" ? "choices" : "candidates", out var choices))
        {
            foreach (var choice in choices.EnumerateArray())
            {
                indexes.Add(choice.TryGetProperty("index", out var index) ? index.GetInt32() : 0);
            }
        }
    }

    private static string Path(string surface, string model, bool stream) => surface == "openai" ? "/v1/chat/completions"
        : stream ? $"/v1beta/models/{model}:streamGenerateContent?alt=sse"
        : $"/v1beta/models/{model}:generateContent";

    private static string Body(string surface, string model, bool stream, int n) => surface == "openai"
        ? $$"""{"model":"{{model}}","messages":[{"role":"user","content":"[[emulator:tokens={{Tokens}}]] write"}],"max_tokens":100,"n":{{n}},"stream":{{(stream ? "true" : "false")}}}"""
        : $$$"""{"contents":[{"role":"user","parts":[{"text":"[[emulator:tokens={{{Tokens}}}]] write"}]}],"generationConfig":{"maxOutputTokens":100,"candidateCount":{{{n}}}}}""";
}
