using System.Security.Cryptography;
using Candor.Core.Accounting;
using Candor.Core.Configuration;
using Candor.Core.Privacy;
using Candor.Core.Security;
using Candor.UnitTests.Storage;

namespace Candor.UnitTests.Core.Privacy;

/// <summary>A stop writes the history entries still queued: a response that completed before the server began
/// stopping keeps its (opted-in) history entry.</summary>
public sealed class HistoryDrainTests
{
    [Fact]
    public async Task Stop_WritesWhatIsStillQueued()
    {
        using var temp = await TempStore.CreateAsync();
        var account = await temp.AccountAsync("history");
        var key = (await temp.KeyAsync(account.Id)).Record;
        var directory = new PrivacyDirectory(temp.Store);
        Assert.True(await directory.SetAsync(StoredPrivacy.Empty(PrivacySubject.Account, account.Id) with { HistoryEnabled = true }, CancellationToken.None));
        var ring = new MasterKeyRing(new Dictionary<uint, byte[]> { [1] = RandomNumberGenerator.GetBytes(32) });
        var log = new Candor.UnitTests.Support.ListLogger<HistoryRecorder>();
        var recorder = new HistoryRecorder(temp.Store, directory, () => ring, temp.Time, log);
        var config = new CandorConfig { Privacy = PrivacySettings.Default with { Retention = RetentionMode.AccountHistory } };

        const int Count = 300;
        for (int i = 0; i < Count; i++)
        {
            var capture = recorder.Begin(config, key, "req_" + i, "openai", "m", "{}"u8);
            Assert.NotNull(capture);
            capture!.Complete(StreamOutcome.Completed);
        }

        // Started and stopped at once: the writer has taken at most a batch when the stop comes.
        await recorder.StartAsync(CancellationToken.None);
        await recorder.StopAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(60));

        Assert.Empty(log.Lines);
        Assert.Equal(0, recorder.Dropped);
        var stored = await temp.Store.ListHistoryAsync(account.Id, 1000, CancellationToken.None);
        Assert.Equal(Count, stored.Count);
        recorder.Dispose();
    }
}
