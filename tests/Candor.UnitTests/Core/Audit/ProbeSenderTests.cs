using Candor.Core.Accounting;
using Candor.Core.Audit;
using Candor.UnitTests.Support;

namespace Candor.UnitTests.Core.Audit;

/// <summary>An audit probe goes through the one upstream caller: every failure it classifies is an unanswered probe
/// (null), never an exception that ends the whole round, and the answer is bounded by the configured limit.</summary>
public sealed class ProbeSenderTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(10);
    private static readonly Probe Probe = new("p", "Say OK.", 16);
    private static readonly TokenCounter Counter = new();

    [Fact]
    public async Task Answer_IsReducedToAProbeAnswer()
    {
        using var upstream = new FakeUpstream((_, _) => Task.FromResult(FakeUpstream.Json(FakeUpstream.Completion("OK"))));
        var answer = await ProbeSender.SendAsync(upstream.Channel(), "gpt-4o-mini", Probe, 3, 0, Counter, 64 * 1024, CancellationToken.None).WaitAsync(Limit);
        Assert.NotNull(answer);
        Assert.Equal(3, answer.Stratum);
        Assert.Equal("OK", answer.Text);
        Assert.Equal("gpt-4o-mini", answer.ReportedModel);
    }

    [Theory]
    [InlineData(typeof(InvalidDataException))]
    [InlineData(typeof(FormatException))]
    [InlineData(typeof(IOException))]
    public async Task BodyThatFailsToRead_IsUnanswered_NotAnException(Type type)
    {
        var thrown = (Exception)Activator.CreateInstance(type)!;
        using var upstream = new FakeUpstream((_, _) => Task.FromResult(FakeUpstream.Json(new ScriptedStream([(TimeSpan.Zero, "{"u8.ToArray())], thrown))));
        var answer = await ProbeSender.SendAsync(upstream.Channel(), "gpt-4o-mini", Probe, 0, 0, Counter, 64 * 1024, CancellationToken.None).WaitAsync(Limit);
        Assert.Null(answer);
    }

    [Fact]
    public async Task SendThatThrowsIOException_IsUnanswered()
    {
        using var upstream = new FakeUpstream((_, _) => throw new IOException("reset"));
        Assert.Null(await ProbeSender.SendAsync(upstream.Channel(), "gpt-4o-mini", Probe, 0, 0, Counter, 64 * 1024, CancellationToken.None).WaitAsync(Limit));
    }

    [Fact]
    public async Task AnswerOverTheConfiguredLimit_IsUnanswered()
    {
        string padded = FakeUpstream.Completion("OK" + new string(' ', 4096));
        using var upstream = new FakeUpstream((_, _) => Task.FromResult(FakeUpstream.Json(padded)));
        Assert.NotNull(await ProbeSender.SendAsync(upstream.Channel(), "gpt-4o-mini", Probe, 0, 0, Counter, padded.Length, CancellationToken.None).WaitAsync(Limit));
        Assert.Null(await ProbeSender.SendAsync(upstream.Channel(), "gpt-4o-mini", Probe, 0, 0, Counter, padded.Length - 1, CancellationToken.None).WaitAsync(Limit));
    }

    [Fact]
    public async Task RoundCancelled_Propagates()
    {
        using var upstream = new FakeUpstream(async (_, ct) =>
        {
            await Task.Delay(Timeout.Infinite, ct);
            throw new InvalidOperationException("unreachable");
        });
        using var round = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            ProbeSender.SendAsync(upstream.Channel(), "gpt-4o-mini", Probe, 0, 0, Counter, 64 * 1024, round.Token).WaitAsync(Limit));
    }
}
