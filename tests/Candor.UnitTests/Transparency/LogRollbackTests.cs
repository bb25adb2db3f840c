using System.Text;
using Candor.Transparency.Log;
using Candor.Transparency.Notes;

namespace Candor.UnitTests.Transparency;

/// <summary>A log behind or beside the last checkpoint it signed refuses to open (the copy kept apart from the log
/// directory), and every file of the tree — not only its right edge — is checked on open and on demand.</summary>
public sealed class LogRollbackTests : IDisposable
{
    private const string Origin = "test.example/log";
    private readonly string _dir = Directory.CreateTempSubdirectory("candor-tlog-rb-").FullName;
    private readonly string _key;

    public LogRollbackTests()
    {
        NoteSigner.Generate(Origin, out _key).Dispose();
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string LogDirectory => Path.Combine(_dir, "log");

    private string Anchor => Path.Combine(_dir, "log.checkpoint");

    private TransparencyLogOptions Options(string? key = null, bool anchored = true) => new()
    {
        Directory = LogDirectory,
        Origin = Origin,
        MaxMergeDelay = TimeSpan.FromMinutes(10),
        SigningKey = key ?? _key,
        AnchorFile = anchored ? Anchor : null,
        AuditInterval = TimeSpan.Zero,
    };

    private static byte[] Entry(long i) => Encoding.ASCII.GetBytes($"entry-{i}");

    private static CancellationToken Timeout() => new CancellationTokenSource(TimeSpan.FromSeconds(60)).Token;

    /// <summary>Appends <paramref name="entries"/> in order and closes the log.</summary>
    private static async Task AppendAsync(TransparencyLogOptions options, IEnumerable<int> entries, CancellationToken ct)
    {
        await using var log = await TileLog.OpenAsync(options, null, ct);
        var appends = entries.Select(i => log.AppendAsync(Entry(i), ct).AsTask()).ToList();
        await Task.WhenAll(appends);
        await log.FlushAsync(ct);
    }

    /// <summary>Builds a log with <paramref name="entries"/> elsewhere (no anchor: the operator's rebuild) and puts
    /// it in place of the log directory.</summary>
    private async Task RebuildAsync(IEnumerable<int> entries, CancellationToken ct)
    {
        Directory.Delete(LogDirectory, recursive: true);
        await AppendAsync(Options(anchored: false), entries, ct);
    }

    [Fact]
    public async Task HonestReopen_OpensAndKeepsTheAnchorAtTheCheckpoint()
    {
        var ct = Timeout();
        await AppendAsync(Options(), Enumerable.Range(0, 300), ct);
        Assert.Equal(await File.ReadAllBytesAsync(Path.Combine(LogDirectory, TileLog.CheckpointFile), ct), await File.ReadAllBytesAsync(Anchor, ct));
        await using var log = await TileLog.OpenAsync(Options(), null, ct);
        Assert.Equal(300, log.Size);
        Assert.Empty(await log.AuditAsync(ct));
    }

    [Fact]
    public async Task AnchorOneIntegrationBehind_CatchesUpOnOpen()
    {
        var ct = Timeout();
        await AppendAsync(Options(), Enumerable.Range(0, 100), ct);
        byte[] older = await File.ReadAllBytesAsync(Anchor, ct);
        await AppendAsync(Options(), Enumerable.Range(100, 200), ct);

        // A crash between the checkpoint and its copy leaves the copy behind: consistent, so the log opens.
        await File.WriteAllBytesAsync(Anchor, older, ct);
        await using var log = await TileLog.OpenAsync(Options(), null, ct);
        Assert.Equal(300, log.Size);
        Assert.Equal(log.Checkpoint, await File.ReadAllBytesAsync(Anchor, ct));
    }

    [Fact]
    public async Task WipedLog_SameKey_IsRefused()
    {
        var ct = Timeout();
        await AppendAsync(Options(), Enumerable.Range(0, 300), ct);
        Directory.Delete(LogDirectory, recursive: true);
        var e = await Assert.ThrowsAsync<InvalidDataException>(() => TileLog.OpenAsync(Options(), null, ct));
        Assert.Contains("holds 0 entries, but it already signed a checkpoint of 300", e.Message, StringComparison.Ordinal);
        Assert.Contains("wiped or rolled back", e.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(LogDirectory, TileLog.CheckpointFile)), "a checkpoint was signed over the wiped log");
    }

    [Fact]
    public async Task WipedLog_NewKey_IsRefused()
    {
        var ct = Timeout();
        await AppendAsync(Options(), Enumerable.Range(0, 10), ct);
        Directory.Delete(LogDirectory, recursive: true);
        NoteSigner.Generate(Origin, out string otherKey).Dispose();
        var e = await Assert.ThrowsAsync<InvalidDataException>(() => TileLog.OpenAsync(Options(otherKey), null, ct));
        Assert.Contains("does not verify it", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RebuiltWithoutTheLastTen_IsRefused()
    {
        var ct = Timeout();
        await AppendAsync(Options(), Enumerable.Range(0, 300), ct);
        await RebuildAsync(Enumerable.Range(0, 290), ct);
        var e = await Assert.ThrowsAsync<InvalidDataException>(() => TileLog.OpenAsync(Options(), null, ct));
        Assert.Contains("holds 290 entries, but it already signed a checkpoint of 300", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RebuiltWithOneEntryRemoved_IsRefusedAsAFork()
    {
        var ct = Timeout();
        await AppendAsync(Options(), Enumerable.Range(0, 300), ct);

        // Entry 150 left out, two more at the end: longer than the signed tree, but not an extension of it.
        await RebuildAsync(Enumerable.Range(0, 302).Where(static i => i != 150), ct);
        var e = await Assert.ThrowsAsync<InvalidDataException>(() => TileLog.OpenAsync(Options(), null, ct));
        Assert.Contains("a fork", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("tile/0/000")]
    [InlineData("tile/entries/000")]
    public async Task FlippedByteInAFullFile_StopsTheLogFromOpening(string file)
    {
        var ct = Timeout();
        await AppendAsync(Options(), Enumerable.Range(0, 300), ct);
        Flip(file, 40);
        var e = await Assert.ThrowsAsync<InvalidDataException>(() => TileLog.OpenAsync(Options(), null, ct));
        Assert.Contains(file + ":", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task FlippedByteInAPartialBundle_StopsTheLogFromOpening()
    {
        var ct = Timeout();
        await AppendAsync(Options(), Enumerable.Range(0, 300), ct);
        Flip("tile/entries/001.p/44", 5);
        var e = await Assert.ThrowsAsync<InvalidDataException>(() => TileLog.OpenAsync(Options(), null, ct));
        Assert.Contains("tile/entries/001.p/44:", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("tile/0/000")]
    [InlineData("tile/entries/000")]
    [InlineData("tile/0/001.p/44")]
    public async Task FileChangedWhileRunning_IsFoundRefusedAndClearedOnceRestored(string file)
    {
        var ct = Timeout();
        await AppendAsync(Options(), Enumerable.Range(0, 300), ct);
        await using var log = await TileLog.OpenAsync(Options(), null, ct);
        Assert.Empty(await log.AuditAsync(ct));

        byte[] original = Flip(file, 7);
        var problems = await log.AuditAsync(ct);
        Assert.Contains(problems, p => p.StartsWith(file + ":", StringComparison.Ordinal));
        Assert.True(log.IsDamaged(file));

        await File.WriteAllBytesAsync(Path.Combine(LogDirectory, file), original, ct);
        Assert.Empty(await log.AuditAsync(ct));
        Assert.False(log.IsDamaged(file));
    }

    private byte[] Flip(string file, int at)
    {
        string path = Path.Combine(LogDirectory, file);
        byte[] original = File.ReadAllBytes(path);
        byte[] changed = (byte[])original.Clone();
        changed[at] ^= 0x01;
        File.WriteAllBytes(path, changed);
        return original;
    }
}
