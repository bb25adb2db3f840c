using Candor.Core.Accounting;
using Candor.Protocols.Canonical;

namespace Candor.UnitTests.Core.Accounting;

public sealed class TokenCounterTests
{
    private static readonly TokenCounter Counter = new();

    // Published in OpenAI's cookbook "How to count tokens with tiktoken" (cl100k_base).
    [Theory]
    [InlineData("tiktoken is great!", 6)]
    [InlineData("antidisestablishmentarianism", 6)]
    [InlineData("2 + 2 = 4", 7)]
    [InlineData("お誕生日おめでとう", 9)]
    public void Cl100k_PublishedCookbookCounts(string text, int expected) =>
        Assert.Equal(expected, Counter.Count("gpt-4", text));

    // Counts verified with Microsoft.ML.Tokenizers itself and pinned, so a tokenizer or data change shows.
    [Theory]
    [InlineData("hello world", 2)]
    [InlineData("tiktoken is great!", 6)]
    [InlineData("お誕生日おめでとう", 8)]
    [InlineData("The quick brown fox jumps over the lazy dog.", 10)]
    [InlineData("", 0)]
    public void O200k_PinnedCounts(string text, int expected) =>
        Assert.Equal(expected, Counter.Count("gpt-4o", text));

    [Theory]
    [InlineData("gpt-4o", TokenCountMethod.O200kBase)]
    [InlineData("gpt-4o-mini-2024-07-18", TokenCountMethod.O200kBase)]
    [InlineData("chatgpt-4o-latest", TokenCountMethod.O200kBase)]
    [InlineData("gpt-4.1-nano", TokenCountMethod.O200kBase)]
    [InlineData("o1", TokenCountMethod.O200kBase)]
    [InlineData("o3-mini", TokenCountMethod.O200kBase)]
    [InlineData("o4-mini", TokenCountMethod.O200kBase)]
    [InlineData("gpt-5", TokenCountMethod.O200kBase)]
    [InlineData("gpt-5.1-codex", TokenCountMethod.O200kBase)]
    [InlineData("openai/gpt-5-mini", TokenCountMethod.O200kBase)]
    [InlineData("GPT-4O", TokenCountMethod.O200kBase)]
    [InlineData("gpt-4", TokenCountMethod.Cl100kBase)]
    [InlineData("gpt-4-turbo", TokenCountMethod.Cl100kBase)]
    [InlineData("gpt-3.5-turbo", TokenCountMethod.Cl100kBase)]
    [InlineData("gpt-35-turbo", TokenCountMethod.Cl100kBase)]
    [InlineData("text-embedding-3-small", TokenCountMethod.Cl100kBase)]
    [InlineData("claude-sonnet-4-5", TokenCountMethod.O200kEstimate)]
    [InlineData("gemini-2.5-pro", TokenCountMethod.O200kEstimate)]
    [InlineData("deepseek-chat", TokenCountMethod.O200kEstimate)]
    [InlineData("qwen-max", TokenCountMethod.O200kEstimate)]
    [InlineData("o10-preview-ish", TokenCountMethod.O200kEstimate)]
    [InlineData("gpt-4ox", TokenCountMethod.O200kEstimate)]
    public void MethodFor_PicksTheFamilyTokenizer(string model, TokenCountMethod expected)
    {
        Assert.Equal(expected, TokenCounter.MethodFor(model));
        Assert.Equal(expected != TokenCountMethod.O200kEstimate, Counter.IsExact(model));
    }

    [Fact]
    public void EstimatedModel_CountsLikeO200k()
    {
        const string text = "Bonjour, je m'appelle Claude. 你好世界!";
        Assert.Equal(Counter.Count("gpt-4o", text), Counter.Count("claude-haiku-4-5", text));
        Assert.Equal(Counter.CountO200k(text), Counter.Count("gemini-2.5-flash", text));
    }

    [Fact]
    public void Cl100kAndO200k_DifferOnCjk()
    {
        const string text = "お誕生日おめでとう";
        Assert.NotEqual(Counter.Count("gpt-4", text), Counter.Count("gpt-4o", text));
    }

    [Fact]
    public void PromptEstimator_ModelOverload_UsesTheModelsTokenizer()
    {
        var request = new ChatRequest { Model = "gpt-4" };
        request.Messages.Add(ChatMessage.Text(ChatRole.User, "お誕生日おめでとう"));
        var estimator = new TokenEstimator();
        Assert.Equal(3 + 3 + 9, estimator.CountPrompt(request, "gpt-4"));
        Assert.Equal(3 + 3 + 8, estimator.CountPrompt(request, "gpt-4o"));
        Assert.Equal(estimator.CountPrompt(request, "gpt-4o"), estimator.CountPrompt(request));
    }

    [Fact]
    public async Task SharedTokenizers_CountConcurrently()
    {
        string[] texts = ["hello world", "お誕生日おめでとう", "The quick brown fox jumps over the lazy dog.", "tiktoken is great!"];
        int[] expected = texts.Select(t => Counter.Count("gpt-4o", t)).ToArray();
        var tasks = Enumerable.Range(0, 8).Select(worker => Task.Run(() =>
        {
            for (int i = 0; i < 2_000; i++)
            {
                int k = (i + worker) % texts.Length;
                Assert.Equal(expected[k], Counter.Count("gpt-4o", texts[k]));
            }
        }));
        await Task.WhenAll(tasks).WaitAsync(TimeSpan.FromSeconds(60));
    }
}
