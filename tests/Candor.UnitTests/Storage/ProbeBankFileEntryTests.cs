using Candor.Core.Audit;
using Candor.Storage;

namespace Candor.UnitTests.Storage;

/// <summary>What the reference wrote alongside a prompt survives in the bank file: a long-answer mark and a function tool
/// (name, description, schema); an operator's line with a malformed or public tool is refused by number.</summary>
public sealed class ProbeBankFileEntryTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("candor-probe-bank-").FullName;

    private string Path => System.IO.Path.Combine(_directory, ProbeBankFile.FileName);

    [Fact]
    public void ToolAndLongMark_SurviveARestart()
    {
        var tool = new ProbeTool("book_court", "Book a tennis court", """{"type":"object","properties":{"club":{"type":"string"}},"required":["club"]}""");
        ProbeBankFile.Open(_directory).Add([new ProbeBankEntry("court at riverside for 6pm?", Tool: tool), new ProbeBankEntry("a long essay on bread", LongAnswer: true), new ProbeBankEntry("plain")]);
        var entries = ProbeBankFile.Open(_directory).TakeEntries(5);
        Assert.Equal(3, entries.Count);
        Assert.Equal(tool, entries[0].Tool);
        Assert.False(entries[0].LongAnswer);
        Assert.True(entries[1].LongAnswer);
        Assert.Null(entries[2].Tool);
        Assert.Equal(0, ProbeBankFile.Open(_directory).Count);
    }

    [Theory]
    [InlineData("{\"prompt\":\"ok\",\"tool\":{\"name\":\"get_weather\",\"description\":\"public\",\"parameters\":{\"type\":\"object\"}}}\n")]
    [InlineData("{\"prompt\":\"ok\",\"tool\":{\"name\":\"x\",\"parameters\":{\"type\":\"object\"}}}\n")]
    [InlineData("{\"prompt\":\"ok\",\"tool\":\"book_court\"}\n")]
    public void MalformedOrPublicTool_Refused(string content)
    {
        File.WriteAllText(Path, content);
        var error = Assert.Throws<InvalidOperationException>(() => ProbeBankFile.Open(_directory));
        Assert.Contains("line 1:", error.Message, StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
