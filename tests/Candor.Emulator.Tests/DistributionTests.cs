using System.Text.Json;

namespace Candor.Emulator.Tests;

/// <summary>Per-model output distributions, temperature, the cheaper sibling and the dishonest modes built on them.</summary>
public sealed class DistributionTests
{
    private static string Chat(string model, string extra = "", string content = "Describe the harbor") =>
        $$"""{"model":"{{model}}","messages":[{"role":"user","content":"{{content}}"}]{{extra}}}""";

    private static string Text(JsonElement root) => root.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString()!;

    private static async Task<List<string>> AnswersAsync(Emu emu, string path, string body, int count)
    {
        var answers = new List<string>(count);
        for (var i = 0; i < count; i++)
        {
            answers.Add(Text(await emu.PostJsonAsync(path, body)));
        }

        return answers;
    }

    private static Dictionary<string, int> WordCounts(IEnumerable<string> answers)
    {
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var answer in answers)
        {
            foreach (var raw in answer.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            {
                var word = raw.TrimEnd('.').ToLowerInvariant();
                counts[word] = counts.GetValueOrDefault(word) + 1;
            }
        }

        return counts;
    }

    /// <summary>Pearson's chi-square statistic of a 2 × k contingency table of word counts.</summary>
    private static double ChiSquare(Dictionary<string, int> a, Dictionary<string, int> b)
    {
        double na = a.Values.Sum(), nb = b.Values.Sum(), chi = 0;
        foreach (var word in a.Keys.Union(b.Keys))
        {
            double x = a.GetValueOrDefault(word), y = b.GetValueOrDefault(word);
            var total = x + y;
            var ea = total * na / (na + nb);
            var eb = total * nb / (na + nb);
            chi += ((x - ea) * (x - ea) / ea) + ((y - eb) * (y - eb) / eb);
        }

        return chi;
    }

    [Fact]
    public async Task TemperatureZero_AnswersTheSameEveryTime_AboveZero_Varies()
    {
        await using var emu = await Emu.StartAsync();
        var cold = await AnswersAsync(emu, "v1/chat/completions", Chat("gpt-4o", ""","temperature":0"""), 5);
        Assert.Single(cold.Distinct());

        var warm = await AnswersAsync(emu, "v1/chat/completions", Chat("gpt-4o", ""","temperature":1"""), 5);
        Assert.Equal(5, warm.Distinct().Count());

        // A request seed makes a warm answer reproducible, as vendors' seed parameters do.
        var seeded = await AnswersAsync(emu, "v1/chat/completions", Chat("gpt-4o", ""","temperature":1,"seed":7"""), 3);
        Assert.Single(seeded.Distinct());
    }

    [Fact]
    public async Task HigherTemperature_SpreadsTheWordsWider()
    {
        await using var emu = await Emu.StartAsync();
        var sharp = WordCounts(await AnswersAsync(emu, "v1/chat/completions", Chat("gpt-4o", ""","temperature":0.3"""), 30));
        var flat = WordCounts(await AnswersAsync(emu, "v1/chat/completions", Chat("gpt-4o", ""","temperature":1.5"""), 30));

        // The share of the most frequent word falls as the temperature rises.
        double Top(Dictionary<string, int> c) => (double)c.Values.Max() / c.Values.Sum();
        Assert.True(Top(sharp) > 2 * Top(flat), $"top share {Top(sharp):F3} at 0.3 vs {Top(flat):F3} at 1.5");
    }

    [Fact]
    public async Task EachModel_HasItsOwnDistribution_TheCheaperSiblingDiffersSubtly()
    {
        await using var emu = await Emu.StartAsync();
        var warm = ""","temperature":1""";
        var a1 = WordCounts(await AnswersAsync(emu, "v1/chat/completions", Chat("gpt-4o", warm), 80));
        var a2 = WordCounts(await AnswersAsync(emu, "v1/chat/completions", Chat("gpt-4o", warm), 80));
        var mini = WordCounts(await AnswersAsync(emu, "v1/chat/completions", Chat("gpt-4o-mini", warm), 80));
        var other = WordCounts(await AnswersAsync(emu, "v1/chat/completions", Chat("claude-sonnet-4-5", warm), 80));

        var same = ChiSquare(a1, a2);
        var sibling = ChiSquare(a1, mini);
        var unrelated = ChiSquare(a1, other);

        // ~99 degrees of freedom: the same model stays near its mean; the sibling is clearly further, an
        // unrelated model much further still.
        Assert.True(same < 160, $"same model: chi2 {same:F0}");
        Assert.True(sibling > same && sibling > 160, $"sibling: chi2 {sibling:F0} (same {same:F0})");
        Assert.True(unrelated > 2 * sibling, $"unrelated: chi2 {unrelated:F0} vs sibling {sibling:F0}");
    }

    [Fact]
    public async Task ServeCheaper_AnswersAsTheSiblingButReportsTheRequestedModel()
    {
        await using var emu = await Emu.StartAsync();
        var seeded = ""","temperature":1,"seed":42""";
        var honestMini = Text(await emu.PostJsonAsync("v1/chat/completions", Chat("gpt-4o-mini", seeded)));
        var honest = Text(await emu.PostJsonAsync("v1/chat/completions", Chat("gpt-4o", seeded)));
        var cheat = await emu.PostJsonAsync("x/serve_model=cheaper/v1/chat/completions", Chat("gpt-4o", seeded));

        Assert.Equal("gpt-4o", cheat.GetProperty("model").GetString());
        Assert.Equal(honestMini, Text(cheat));
        Assert.NotEqual(honest, Text(cheat));
    }

    [Fact]
    public async Task CheaperPairs_CanBeConfigured()
    {
        await using var emu = await Emu.StartAsync(new EmulatorOptions { CheaperModels = new Dictionary<string, string> { ["big"] = "small" } });
        var seeded = ""","temperature":1,"seed":3""";
        var small = Text(await emu.PostJsonAsync("v1/chat/completions", Chat("small", seeded)));
        var cheat = Text(await emu.PostJsonAsync("x/serve_model=cheaper/v1/chat/completions", Chat("big", seeded)));
        Assert.Equal(small, cheat);
    }

    [Fact]
    public async Task MixCheaper_ServesTheSiblingForAboutTheGivenFraction()
    {
        await using var emu = await Emu.StartAsync();
        var seeded = ""","temperature":1,"seed":9""";
        var honest = Text(await emu.PostJsonAsync("v1/chat/completions", Chat("gpt-4o", seeded)));
        var mini = Text(await emu.PostJsonAsync("v1/chat/completions", Chat("gpt-4o-mini", seeded)));

        async Task<int> CheapCount(string spec, int n)
        {
            var cheap = 0;
            for (var i = 0; i < n; i++)
            {
                var root = await emu.PostJsonAsync($"x/{spec}/v1/chat/completions", Chat("gpt-4o", seeded));
                Assert.Equal("gpt-4o", root.GetProperty("model").GetString());
                var text = Text(root);
                Assert.True(text == honest || text == mini);
                cheap += text == mini ? 1 : 0;
            }

            return cheap;
        }

        Assert.Equal(0, await CheapCount("mix_model=cheaper;mix_rate=0", 20));
        Assert.Equal(20, await CheapCount("mix_model=cheaper;mix_rate=1", 20));
        var half = await CheapCount("mix_model=cheaper;mix_rate=0.3", 200);
        Assert.InRange(half, 35, 85); // 60 expected; ±3.5 standard deviations
    }

    [Fact]
    public async Task InflateUsage_AndLowerMaxTokens_OnAWarmSampledAnswer()
    {
        await using var emu = await Emu.StartAsync();
        var warm = ""","temperature":1""";
        var inflated = await emu.PostJsonAsync("x/inflate_usage=25/v1/chat/completions", Chat("gpt-4o", warm));
        var words = Text(inflated).Split(' ', StringSplitOptions.RemoveEmptyEntries).Length;
        Assert.Equal((int)Math.Ceiling(words * 1.25), inflated.GetProperty("usage").GetProperty("completion_tokens").GetInt32());

        var lowered = await emu.PostJsonAsync("x/lower_max_tokens=6/v1/chat/completions", Chat("gpt-4o", warm + ""","max_tokens":100"""));
        Assert.Equal(6, Text(lowered).Split(' ', StringSplitOptions.RemoveEmptyEntries).Length);
        Assert.Equal("stop", lowered.GetProperty("choices")[0].GetProperty("finish_reason").GetString());
    }
}
