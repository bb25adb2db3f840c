using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Candor.Core.Receipts;
using Candor.FunctionalTests.Infrastructure;

namespace Candor.FunctionalTests.Receipts;

/// <summary>An OpenAI client's <c>reasoning_effort</c> sent to an Anthropic or Gemini upstream as their thinking budget: the
/// receipt declares the mapping (<c>mapped</c>) and the max_tokens the encoder really sent, and the parameter-integrity
/// audit raises no flag.</summary>
public sealed class ReasoningReceiptTests(ReceiptHost host) : IClassFixture<ReceiptHost>
{
    private async Task<(JsonElement Receipt, JsonNode Forwarded)> SendAsync(string model, string marker, CancellationToken ct)
    {
        using var client = new HttpClient { BaseAddress = host.BaseAddress };
        client.DefaultRequestHeaders.Authorization = new("Bearer", ReceiptHost.Alice);
        using var response = await client.PostAsync("/v1/chat/completions", Json.Body($$"""
            {"model":"{{model}}","reasoning_effort":"high","messages":[{"role":"user","content":"[[emulator:reply=ok]] {{marker}}"}]}
            """), ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var fetched = await client.GetAsync("/v1/receipts/" + response.Headers.GetValues(ReceiptService.Header).Single(), ct);
        Assert.Equal(HttpStatusCode.OK, fetched.StatusCode);
        using var doc = JsonDocument.Parse(await fetched.Content.ReadAsStringAsync(ct));
        var forwarded = host.Emulator.Journal.All.Last(e => e.BodyText.Contains(marker, StringComparison.Ordinal));
        return (doc.RootElement.GetProperty("receipt").Clone(), JsonNode.Parse(forwarded.BodyText)!);
    }

    private static string? Detail(JsonElement receipt, string kind, string target) => receipt.GetProperty("transformations").EnumerateArray()
        .Where(t => t.GetProperty("kind").GetString() == kind && t.GetProperty("target").GetString() == target)
        .Select(static t => t.GetProperty("detail").GetString()).SingleOrDefault();

    [Fact]
    public async Task EffortToAnthropic_IsDeclaredMapped_WithTheRealMaxTokens_AndNotFlagged()
    {
        var (receipt, forwarded) = await SendAsync("m-anthropic", "effort-anthropic", Json.Timeout(120));
        Assert.Equal(4096, forwarded["thinking"]!["budget_tokens"]!.GetValue<int>());
        Assert.Equal(8192, forwarded["max_tokens"]!.GetValue<int>());
        Assert.Equal("high -> thinking_budget 4096", Detail(receipt, Transformation.Mapped, "reasoning_effort"));
        Assert.Equal("8192", Detail(receipt, Transformation.Injected, "max_output_tokens"));
        Assert.Empty(receipt.GetProperty("flags").EnumerateArray());
    }

    [Fact]
    public async Task EffortToGemini_IsDeclaredMapped_AndNotFlagged()
    {
        var (receipt, forwarded) = await SendAsync("m-gemini", "effort-gemini", Json.Timeout(120));
        Assert.Equal(24576, forwarded["generationConfig"]!["thinkingConfig"]!["thinkingBudget"]!.GetValue<int>());
        Assert.Equal("high -> thinking_budget 24576", Detail(receipt, Transformation.Mapped, "reasoning_effort"));
        Assert.Empty(receipt.GetProperty("flags").EnumerateArray());
    }
}
