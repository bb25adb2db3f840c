using System.Text.Json;
using Candor.Emulator.Faults;

namespace Candor.Emulator.Tests;

public sealed class SpecAndJournalTests
{
    [Fact]
    public void Parse_ReadsAllKeys()
    {
        var spec = FaultSpec.Parse(
            "reply=a b;tokens=3;latency_ms=1;ttft_ms=2;chunk_ms=4;status=429;retry_after=9;hang;disconnect_after=5;malformed_sse;" +
            "wrong_content_type;serve_model=s;report_model=r;inflate_usage=10;lower_max_tokens=6;echo_error;unknown=1");
        Assert.Equal("a b", spec.Reply);
        Assert.Equal(3, spec.Tokens);
        Assert.Equal(1, spec.LatencyMs);
        Assert.Equal(2, spec.TtftMs);
        Assert.Equal(4, spec.ChunkMs);
        Assert.Equal(429, spec.Status);
        Assert.Equal(9, spec.RetryAfter);
        Assert.True(spec.Hang);
        Assert.Equal(5, spec.DisconnectAfter);
        Assert.True(spec.MalformedSse);
        Assert.True(spec.WrongContentType);
        Assert.Equal("s", spec.ServeModel);
        Assert.Equal("r", spec.ReportModel);
        Assert.Equal(10, spec.InflateUsage);
        Assert.Equal(6, spec.LowerMaxTokens);
        Assert.True(spec.EchoError);
    }

    [Fact]
    public void Merge_LaterValuesWin()
    {
        var merged = FaultSpec.Parse("tokens=3;status=500").Merge(FaultSpec.Parse("tokens=4;hang"));
        Assert.Equal(4, merged.Tokens);
        Assert.Equal(500, merged.Status);
        Assert.True(merged.Hang);
        Assert.Same(FaultSpec.Empty, FaultSpec.Parse("  "));
    }

    [Fact]
    public void Directives_FoundInNestedStrings()
    {
        using var document = JsonDocument.Parse("""{"a":[{"b":"x [[emulator:tokens=2]] y [[emulator:status=503]]"}],"c":"[[emulator:tokens=5"}""");
        var spec = Directives.Find(document.RootElement);
        Assert.Equal(2, spec.Tokens);
        Assert.Equal(503, spec.Status);
    }

    [Fact]
    public async Task Journal_RecordsPathHeadersAndBody()
    {
        await using var emu = await Emu.StartAsync();
        const string Body = """{"model":"claude","max_tokens":10,"messages":[{"role":"user","content":"hi"}]}""";
        await emu.PostJsonAsync("v1/messages?beta=true", Body, Emu.AnthropicVersion, ("x-api-key", "k1"), ("x-other", "no"));
        var entry = emu.Host.Journal.Last!;
        Assert.Equal("POST", entry.Method);
        Assert.Equal("/v1/messages", entry.Path);
        Assert.Equal("?beta=true", entry.Query);
        Assert.Equal("k1", entry.Header("x-api-key"));
        Assert.Equal("2023-06-01", entry.Header("anthropic-version"));
        Assert.Null(entry.Header("x-other"));
        Assert.Equal(Body, entry.BodyText);
        Assert.Equal(1, emu.Host.Journal.Count);

        emu.Host.Journal.Clear();
        Assert.Equal(0, emu.Host.Journal.Count);
        Assert.Null(emu.Host.Journal.Last);
    }

    [Fact]
    public void Journal_KeepsTheLast200()
    {
        var journal = new EmulatorJournal();
        for (var i = 0; i < 250; i++)
        {
            journal.Add(new JournalEntry("POST", "/" + i, "", new Dictionary<string, string>(), ReadOnlyMemory<byte>.Empty));
        }

        Assert.Equal(250, journal.Count);
        Assert.Equal(200, journal.All.Count);
        Assert.Equal("/50", journal.All[0].Path);
        Assert.Equal("/249", journal.Last!.Path);
    }

    [Fact]
    public async Task BaseAddress_IsLoopbackWithTrailingSlash()
    {
        await using var emu = await Emu.StartAsync();
        Assert.Equal("127.0.0.1", emu.Host.BaseAddress.Host);
        Assert.NotEqual(0, emu.Host.BaseAddress.Port);
        Assert.EndsWith("/", emu.Host.BaseAddress.AbsoluteUri, StringComparison.Ordinal);
    }
}
