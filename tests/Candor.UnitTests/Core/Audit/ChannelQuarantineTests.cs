using Candor.Core.Audit;

namespace Candor.UnitTests.Core.Audit;

/// <summary>A reload of the quarantines (another node's change, pushed or polled) racing this node's own write: the
/// store is held at the racing step, so every interleaving is forced, not hoped for.</summary>
public sealed class ChannelQuarantineTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(10);
    private static readonly QuarantineEntry Entry = new("ch", "substituted model", "identity", DateTimeOffset.UnixEpoch);

    [Fact]
    public async Task ReloadWhileTheQuarantineIsWritten_DoesNotUndoIt()
    {
        var store = new HeldStore();
        var quarantine = new ChannelQuarantine(store);
        store.HoldWrites();
        var adding = quarantine.AddAsync(Entry, CancellationToken.None);
        Assert.True(quarantine.IsQuarantined("ch"));

        // The reload reads the store before the write commits: the quarantine is not there yet.
        await quarantine.ReloadAsync(CancellationToken.None).WaitAsync(Limit);
        Assert.True(quarantine.IsQuarantined("ch"));

        store.ReleaseWrites();
        Assert.True(await adding.WaitAsync(Limit));
        await quarantine.ReloadAsync(CancellationToken.None).WaitAsync(Limit);
        Assert.True(quarantine.IsQuarantined("ch"));
    }

    [Fact]
    public async Task ReloadThatReadBeforeTheWriteCommitted_AppliedAfterIt_DoesNotUndoIt()
    {
        var store = new HeldStore();
        var quarantine = new ChannelQuarantine(store);
        store.HoldListing();
        var reloading = quarantine.ReloadAsync(CancellationToken.None);
        await store.Listed.Task.WaitAsync(Limit);

        // The quarantine is added and written while the reload holds a listing without it.
        Assert.True(await quarantine.AddAsync(Entry, CancellationToken.None).WaitAsync(Limit));
        store.ReleaseListing();
        await reloading.WaitAsync(Limit);
        Assert.True(quarantine.IsQuarantined("ch"));
    }

    [Fact]
    public async Task ReloadThatReadBeforeTheLift_AppliedAfterIt_DoesNotRestoreIt()
    {
        var store = new HeldStore();
        var quarantine = new ChannelQuarantine(store);
        Assert.True(await quarantine.AddAsync(Entry, CancellationToken.None).WaitAsync(Limit));
        store.HoldListing();
        var reloading = quarantine.ReloadAsync(CancellationToken.None);
        await store.Listed.Task.WaitAsync(Limit);

        // The operator lifts it while the reload holds a listing that still has it.
        Assert.True(await quarantine.ReleaseAsync("ch", CancellationToken.None).WaitAsync(Limit));
        store.ReleaseListing();
        await reloading.WaitAsync(Limit);
        Assert.False(quarantine.IsQuarantined("ch"));
    }

    [Fact]
    public async Task ChangesOfOtherNodes_StillApplyOnReload()
    {
        var store = new HeldStore();
        var quarantine = new ChannelQuarantine(store);
        Assert.True(await quarantine.AddAsync(Entry, CancellationToken.None).WaitAsync(Limit));

        // Another node lifts it, then quarantines another channel, in the shared store.
        await store.RemoveQuarantineAsync("ch", CancellationToken.None);
        await store.AddQuarantineAsync(Entry with { ChannelId = "other" }, CancellationToken.None);
        await quarantine.ReloadAsync(CancellationToken.None).WaitAsync(Limit);
        Assert.False(quarantine.IsQuarantined("ch"));
        Assert.True(quarantine.IsQuarantined("other"));
    }

    [Fact]
    public async Task Exclude_FollowsEveryChange_AndReturnsTheSameListWhenNothingIsQuarantined()
    {
        var quarantine = new ChannelQuarantine();
        IReadOnlyList<Candor.Core.Configuration.Deployment> deployments =
            [new() { ChannelId = "a", UpstreamModel = "m" }, new() { ChannelId = "ch", UpstreamModel = "m" }, new() { ChannelId = "b", UpstreamModel = "m" }];
        Assert.Same(deployments, quarantine.Exclude(deployments));

        Assert.True(await quarantine.AddAsync(Entry, CancellationToken.None).WaitAsync(Limit));
        Assert.Equal(["a", "b"], quarantine.Exclude(deployments).Select(static d => d.ChannelId));
        IReadOnlyList<Candor.Core.Configuration.Deployment> healthy = [.. deployments.Where(static d => d.ChannelId != "ch")];
        Assert.Same(healthy, quarantine.Exclude(healthy));

        Assert.True(await quarantine.ReleaseAsync("ch", CancellationToken.None).WaitAsync(Limit));
        Assert.Same(deployments, quarantine.Exclude(deployments));
        Assert.False(quarantine.IsQuarantined("ch"));

        Assert.True(await quarantine.AddAsync(Entry with { ChannelId = "b" }, CancellationToken.None).WaitAsync(Limit));
        Assert.Equal(["a", "ch"], quarantine.Exclude(deployments).Select(static d => d.ChannelId));
        Assert.True(quarantine.Forget("b"));
        Assert.Same(deployments, quarantine.Exclude(deployments));
    }

    [Fact]
    public async Task ConcurrentChanges_LeaveRoutingAgreeingWithTheEntries()
    {
        var quarantine = new ChannelQuarantine();
        var channels = Enumerable.Range(0, 64).Select(static i => $"ch{i}").ToArray();
        var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var changes = channels.Select(channel => Task.Run(async () =>
        {
            await start.Task;
            await quarantine.AddAsync(Entry with { ChannelId = channel }, CancellationToken.None);
            if (channel.EndsWith('0') || channel.EndsWith('5'))
            {
                await quarantine.ReleaseAsync(channel, CancellationToken.None);
            }
        })).ToArray();
        start.SetResult();
        await Task.WhenAll(changes).WaitAsync(Limit);

        var listed = quarantine.Entries.Select(static e => e.ChannelId).ToHashSet(StringComparer.Ordinal);
        Assert.Equal(51, listed.Count);
        foreach (string channel in channels)
        {
            Assert.Equal(listed.Contains(channel), quarantine.IsQuarantined(channel));
        }
    }

    /// <summary>A store whose writes or listing can be held at their racing step.</summary>
    private sealed class HeldStore : IQuarantineStore
    {
        private readonly Dictionary<string, QuarantineEntry> _rows = new(StringComparer.Ordinal);
        private TaskCompletionSource _writes = Open();
        private TaskCompletionSource _listing = Open();

        /// <summary>Set once a held listing has read the rows.</summary>
        public TaskCompletionSource Listed { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void HoldWrites() => _writes = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void ReleaseWrites() => _writes.TrySetResult();

        public void HoldListing() => _listing = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void ReleaseListing() => _listing.TrySetResult();

        public async Task<IReadOnlyList<QuarantineEntry>> ListQuarantinesAsync(CancellationToken cancellationToken)
        {
            QuarantineEntry[] rows;
            lock (_rows)
            {
                rows = [.. _rows.Values];
            }

            Listed.TrySetResult();
            await _listing.Task.WaitAsync(cancellationToken);
            return rows;
        }

        public async Task<bool> AddQuarantineAsync(QuarantineEntry entry, CancellationToken cancellationToken)
        {
            await _writes.Task.WaitAsync(cancellationToken);
            lock (_rows)
            {
                return _rows.TryAdd(entry.ChannelId, entry);
            }
        }

        public async Task<bool> RemoveQuarantineAsync(string channelId, CancellationToken cancellationToken)
        {
            await _writes.Task.WaitAsync(cancellationToken);
            lock (_rows)
            {
                return _rows.Remove(channelId);
            }
        }

        private static TaskCompletionSource Open()
        {
            var open = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            open.SetResult();
            return open;
        }
    }
}
