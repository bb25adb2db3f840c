using System.Globalization;
using Candor.Core.Audit;
using Candor.Emulator;
using Xunit.Abstractions;

namespace Candor.FunctionalTests.Audit;

/// <summary>The knowing cheat's knowledge is real: it recognises nearly every probe the public grammar makes, from any
/// seed, without the seed — so a relay drawing probes from a grammar in its public source cannot catch it. What it
/// recognises of probes carrying private prompts is only what their parameters give away (a cap probe's small limit).</summary>
public sealed class PublicGrammarTests(ITestOutputHelper output)
{
    private static readonly DateTimeOffset Start = new(2026, 12, 6, 8, 0, 0, TimeSpan.Zero);

    private static KnownRequest Seen(Probe p) => new(p.System, p.Prompt, p.MaxTokens, p.Tool is null ? [] : [p.Tool.Name]);

    [Fact]
    public void PublicGrammarProbes_AllRecognised_WithoutTheSeed()
    {
        var secret = new ProbeSecret(Enumerable.Range(0, ProbeSecret.Length).Select(static i => (byte)(i * 11)).ToArray());
        var probes = Enumerable.Range(1, 100).SelectMany(r => new ProbeGenerator(secret).Round("t\nm", Start.AddMinutes(r), r, 50)).ToList();
        var byPromptAlone = probes.Count(static p => PublicGrammar.IsPublicPrompt(p.Prompt));
        output.WriteLine($"{byPromptAlone} of {probes.Count} public-grammar probes recognised by their prompt alone");
        // Measured 4,797 of 5,000 (95.9 %) on 2026-12-06: the misses are forms this recogniser does not cover yet, not
        // forms the seed hides; a cheat needs no more than this to spare nearly every public-grammar probe.
        Assert.True(byPromptAlone >= probes.Count * 0.95, $"{byPromptAlone} recognised");
        Assert.True(probes.Count(static p => PublicGrammar.Recognises(Seen(p))) >= byPromptAlone);
    }

    [Fact]
    public void PrivateProbes_RecognisedOnlyByACapProbesLimit()
    {
        string[] written =
        [
            "my sourdough starter smells like nail polish remover, is it dead??", "Can you explain what a Roth IRA is and whether I need one at 24",
            "Write a short poem about waiting for the bus in the rain.", "whats the difference between git merge and rebase", "ok thanks, and for two people?",
            "帮我写一封给房东的邮件，说暖气坏了", "Summarise: The council met on Tuesday and agreed to fund two new bike lanes downtown.",
        ];
        var bank = new PrivateProbeBank(Enumerable.Range(0, 2_000).Select(i => written[i % written.Length] + (i < written.Length ? "" : string.Create(CultureInfo.InvariantCulture, $" ({i})"))));
        var probes = Enumerable.Range(1, 40).SelectMany(r => new ProbeGenerator(new ProbeSecret(new byte[ProbeSecret.Length]), bank).Round("t\nm", Start.AddMinutes(r), r, 50)).ToList();
        var recognised = probes.Where(static p => PublicGrammar.Recognises(Seen(p))).ToList();
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{recognised.Count} of {probes.Count} private probes recognised ({recognised.Count / (double)probes.Count:P1}), all cap probes: {recognised.All(static p => p.IsCap)}"));
        Assert.All(recognised, static p => Assert.True(p.IsCap));
        Assert.DoesNotContain(probes, static p => PublicGrammar.IsPublicPrompt(p.Prompt));
    }
}
