using System.Text.Json;
using Candor.Core.Audit;
using Candor.Protocols.Canonical;

namespace Candor.UnitTests.Core.Audit;

/// <summary>Tool-calling traffic is probed with tools the trusted reference writes alongside the prompt: about one
/// writing request in eight asks for them, its answer is read into prompts with their function definitions (a malformed
/// one, or one named as a public-grammar tool, dropped), the probe offers the entry's tool, and the answer the tests read
/// includes the tool call.</summary>
public sealed class ProbeToolWritingTests
{
    private static readonly DateTimeOffset Start = new(2026, 12, 6, 8, 0, 0, TimeSpan.Zero);

    private static ProbeSecret Secret(byte fill) => new(Enumerable.Repeat(fill, ProbeSecret.Length).ToArray());

    private const string Answer = """
        {"tool":{"name":"book_court","description":"Book a tennis court","parameters":{"type":"object","properties":{"club":{"type":"string"},"hour":{"type":"integer"}},"required":["club","hour"]}},"prompt":"can u get me a court at riverside for 6pm tmrw"}
        1. {"tool":{"name":"find_recipe","description":"Find recipes by ingredient","parameters":{"type":"object","properties":{"ingredient":{"type":"string"}}}},"prompt":"I have leftover leeks, what can I cook tonight?"}
        {"tool":{"name":"get_weather","description":"Get the weather","parameters":{"type":"object","properties":{"city":{"type":"string"}}}},"prompt":"weather in Oslo please, thanks"}
        {"tool":{"name":"bad name!","description":"x","parameters":{"type":"object"}},"prompt":"a prompt long enough"}
        {"tool":{"name":"no_schema","description":"x","parameters":{"type":"string"}},"prompt":"a prompt long enough"}
        {"tool":{"name":"short_prompt","description":"x","parameters":{"type":"object"}},"prompt":"hi"}
        not json at all
        """;

    [Fact]
    public void ToolAnswer_ParsedIntoEntries_PublicAndMalformedToolsDropped()
    {
        var entries = ProbeWriter.ParseTools(Answer);
        Assert.Equal(["book_court", "find_recipe"], entries.Select(static e => e.Tool!.Name));
        Assert.Equal("can u get me a court at riverside for 6pm tmrw", entries[0].Prompt);
        using var schema = JsonDocument.Parse(entries[0].Tool!.Schema);
        Assert.Equal(["club", "hour"], schema.RootElement.GetProperty("required").EnumerateArray().Select(static e => e.GetString()));
        Assert.Equal("Book a tennis court", entries[0].Tool!.Description);
    }

    [Fact]
    public void WritingRequests_AboutOneInEightAsksForTools_LongKindMarked()
    {
        var generator = new ProbeGenerator(Secret(5));
        var requests = Enumerable.Range(0, 2_000).Select(i => generator.WritingRequest("t\nm", Start, 1, i)).ToList();
        Assert.InRange(requests.Count(static r => r.Name == ProbeWriter.WriteTool), 180, 300);
        Assert.InRange(requests.Count(static r => r.Name == ProbeWriter.WriteLong), 120, 250);
        Assert.All(requests.Where(static r => r.Name == ProbeWriter.WriteTool), static r => Assert.Contains("\"tool\"", r.Prompt, StringComparison.Ordinal));
        // A tool request names no public tool.
        Assert.All(requests, static r => Assert.DoesNotContain(ProbeBank.Tools, t => r.Prompt.Contains(t.Name, StringComparison.Ordinal)));
        var tool = requests.First(static r => r.Name == ProbeWriter.WriteTool);
        Assert.Equal(2, ProbeWriter.Entries(tool, Answer).Count);
        var longRequest = requests.First(static r => r.Name == ProbeWriter.WriteLong);
        Assert.All(ProbeWriter.Entries(longRequest, "Write me a full guide to renovating a bathroom\nAn essay on the history of bread please"), static e => Assert.True(e.LongAnswer));
    }

    [Fact]
    public void BankEntryWithATool_ProbeOffersIt_LongEntry_IsACapCheck()
    {
        var entries = ProbeWriter.ParseTools(Answer).Append(new ProbeBankEntry("Write a long essay about my town's old mill", LongAnswer: true)).ToList();
        var probes = new ProbeGenerator(Secret(6), new PrivateProbeBank(entries)).Round("t\nm", Start, 1, 3);
        Assert.Equal(["book_court", "find_recipe", null], probes.Select(static p => p.Tool?.Name));
        Assert.Equal([false, false, true], probes.Select(static p => p.IsCap));
        Assert.All(probes, static p => Assert.True(p.IsPrivate && p.System is null));
    }

    [Fact]
    public void AnswerText_IncludesTheToolCall()
    {
        ContentPart[] parts = [new TextPart("Let me book that."), new ToolCallPart("call_1", "book_court", """{"club":"riverside","hour":18}""")];
        Assert.Equal("Let me book that.\nbook_court {\"club\":\"riverside\",\"hour\":18}", ProbeSender.AnswerText(parts));
    }
}
