using Candor.Core.Admission;
using Candor.Core.Receipts;
using Candor.Core.Relay;
using Candor.UnitTests.Support;
using Microsoft.Extensions.Time.Testing;

namespace Candor.UnitTests.Core.Receipts;

/// <summary>The draft builder: a time-ordered id set in the response header, the owner named by its kind (stored key or
/// configuration key), and one pseudonym per owner that does not depend on the cache.</summary>
public sealed class ReceiptDraftBuilderTests
{
    [Fact]
    public void Begin_SetsTheHeaderAndTheContextsDraft_IdsGrowWithTime()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UnixEpoch.AddDays(20_000));
        var builder = new ReceiptDraftBuilder(KeyHasher.CreateEphemeral(), time);
        var first = Context("alice");
        var draft = builder.Begin(first, "{}"u8);
        Assert.Same(draft, first.Receipt);
        first.Commit(200, "application/json");
        Assert.Equal(draft.Id, ((MemoryResponsePort)first.Port).Headers[ReceiptService.Header]);
        Assert.Equal(first.RequestId, draft.RequestId);
        Assert.StartsWith("rcpt_", draft.Id, StringComparison.Ordinal);

        time.Advance(TimeSpan.FromMilliseconds(1));
        var second = builder.Begin(Context("alice"), "{}"u8);
        Assert.True(string.CompareOrdinal(draft.Id, second.Id) < 0, $"{draft.Id} then {second.Id}");
    }

    [Fact]
    public void SameOwner_SamePseudonym_OtherOwnerOrKind_Different()
    {
        var builder = new ReceiptDraftBuilder(KeyHasher.CreateEphemeral(), TimeProvider.System);
        var a1 = builder.Begin(Context("alice"), "{}"u8);
        var a2 = builder.Begin(Context("alice"), "{}"u8);
        var b = builder.Begin(Context("bob"), "{}"u8);
        var anonymous = builder.Begin(Context(null), "{}"u8);
        Assert.Equal("config:alice", a1.OwnerId);
        Assert.Equal("config:-", anonymous.OwnerId);
        Assert.Equal(a1.Pseudonym, a2.Pseudonym);
        Assert.NotEqual(a1.Pseudonym, b.Pseudonym);
        Assert.Equal(builder.Pseudonym("config:alice"), a1.Pseudonym);
        Assert.Matches("^[0-9a-f]{32}$", a1.Pseudonym);
    }

    [Fact]
    public void CacheStartsOver_PastItsLimit_PseudonymsUnchanged()
    {
        var builder = new ReceiptDraftBuilder(KeyHasher.CreateEphemeral(), TimeProvider.System);
        string before = builder.Begin(Context("owner-0"), "{}"u8).Pseudonym;
        for (int i = 1; i <= ReceiptDraftBuilder.PseudonymCacheLimit; i++)
        {
            builder.Begin(Context("owner-" + i.ToString(System.Globalization.CultureInfo.InvariantCulture)), default).Dispose();
        }

        Assert.True(builder.CachedOwners <= 1, $"{builder.CachedOwners} owners cached");
        Assert.Equal(before, builder.Begin(Context("owner-0"), "{}"u8).Pseudonym);
    }

    private static RelayContext Context(string? configKey)
    {
        return new RelayContext(new MemoryResponsePort(), "openai")
        {
            Caller = configKey is null ? Caller.ConfigKey : Caller.ForConfigKey(configKey),
        };
    }
}
