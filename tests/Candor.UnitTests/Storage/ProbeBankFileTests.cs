using Candor.Storage;

namespace Candor.UnitTests.Storage;

/// <summary>The private probe bank in the data directory: owner-only, holds only prompts not sent yet (a restart never
/// sends one twice), keeps any text exactly, takes an operator's own prompts, and refuses a malformed line by number.</summary>
public sealed class ProbeBankFileTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("candor-probe-bank-").FullName;

    private string Path => System.IO.Path.Combine(_directory, ProbeBankFile.FileName);

    [Fact]
    public void TakenPrompts_AreGoneAfterARestart_TheRestSurviveExactly()
    {
        var bank = ProbeBankFile.Open(_directory);
        Assert.Equal(0, bank.Count);
        string[] prompts = ["plain", "line one\nline two \"quoted\" \\ back", "中文消息：周末去哪里玩？", "  spaced  "];
        bank.Add(prompts);
        Assert.Equal(prompts[..1], bank.Take(1));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path));
        }

        var reopened = ProbeBankFile.Open(_directory);
        Assert.Equal(prompts[1..], reopened.Take(10));
        Assert.Equal(0, ProbeBankFile.Open(_directory).Count);
    }

    [Fact]
    public void OperatorPrompts_AreTaken_BlankLinesSkipped()
    {
        File.WriteAllText(Path, "{\"prompt\":\"my own question\"}\n\n{\"prompt\":\"another\",\"note\":\"ignored\"}\n");
        Assert.Equal(["my own question", "another"], ProbeBankFile.Open(_directory).Take(5));
    }

    [Theory]
    [InlineData("{\"prompt\":\"ok\"}\nnot json\n", 2)]
    [InlineData("{\"text\":\"wrong member\"}\n", 1)]
    [InlineData("{\"prompt\":\"ok\"}\n{\"prompt\":\"\"}\n", 2)]
    [InlineData("[\"prompt\"]\n", 1)]
    public void MalformedLine_RefusedWithItsNumber(string content, int line)
    {
        File.WriteAllText(Path, content);
        var error = Assert.Throws<InvalidOperationException>(() => ProbeBankFile.Open(_directory));
        Assert.Contains($"line {line}:", error.Message, StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
