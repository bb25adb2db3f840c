using Candor.Core.Audit;

namespace Candor.UnitTests.Storage;

/// <summary>The audit's per-target state in the store (<see cref="IAuditEvidenceStore"/>, migration "audit evidence
/// across restarts"): stored, replaced, read back after a reopen, and forgotten per channel.</summary>
public class AuditEvidenceStoreTests
{
    /// <summary>The store under test: SQLite here, PostgreSQL in <see cref="PostgresAuditEvidenceStoreTests"/>.</summary>
    private protected virtual Task<TempStore> CreateStoreAsync() => TempStore.CreateAsync();

    private static readonly DateTimeOffset At = new(2026, 12, 6, 8, 0, 0, TimeSpan.Zero);

    [SkippableFact]
    public async Task Evidence_IsReplacedPerTarget_SurvivesAReopen_AndIsForgottenPerChannel()
    {
        using var t = await CreateStoreAsync();
        var ct = new CancellationTokenSource(TempStore.Timeout).Token;
        var evidence = new SequentialEvidence().Export();
        await t.Store.SaveEvidenceAsync(new("cheap\ngpt-4o", "cheap", 3, "model", evidence, At), ct);
        await t.Store.SaveEvidenceAsync(new("cheap\ngpt-4o", "cheap", 4, "", evidence, At.AddMinutes(10)), ct);
        await t.Store.SaveEvidenceAsync(new("cheap\ngpt-4o-mini", "cheap", 1, "usage,model", evidence, At), ct);
        await t.Store.SaveEvidenceAsync(new("honest\ngpt-4o", "honest", 9, "", evidence, At), ct);

        await t.ReopenAsync();
        var stored = await t.Store.ListEvidenceAsync(ct);
        Assert.Equal(["cheap\ngpt-4o", "cheap\ngpt-4o-mini", "honest\ngpt-4o"], stored.Select(static r => r.Target));
        Assert.Equal(new AuditEvidenceRecord("cheap\ngpt-4o", "cheap", 4, "", evidence, At.AddMinutes(10)), stored[0]);
        Assert.Equal("usage,model", stored[1].Suspects);

        await t.Store.DeleteEvidenceAsync("cheap", ct);
        Assert.Equal(["honest\ngpt-4o"], (await t.Store.ListEvidenceAsync(ct)).Select(static r => r.Target));
    }
}

public sealed class PostgresAuditEvidenceStoreTests : AuditEvidenceStoreTests
{
    private protected override Task<TempStore> CreateStoreAsync() => TempStore.CreatePostgresAsync();
}
