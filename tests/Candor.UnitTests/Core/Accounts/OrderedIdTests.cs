using Candor.Core.Accounts;

namespace Candor.UnitTests.Core.Accounts;

/// <summary>Time-ordered ids (requests, receipts, ledger entries): the format, ordering by time (so a B-tree index on
/// them grows at its right edge) and randomness within one millisecond.</summary>
public sealed class OrderedIdTests
{
    [Fact]
    public void Format_IsKindThenTwelveHexDigitsOfTimeThenSixteenRandom()
    {
        var at = DateTimeOffset.FromUnixTimeMilliseconds(0x0193_5A2B_3C4D);
        string id = EntityIds.NewOrdered("rcpt", at);
        Assert.Matches("^rcpt_[0-9a-f]{28}$", id);
        Assert.StartsWith("rcpt_01935a2b3c4d", id, StringComparison.Ordinal);
    }

    [Fact]
    public void LaterIds_SortLater_AndIdsOfOneMillisecondDiffer()
    {
        var start = DateTimeOffset.Parse("2026-11-26T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture);
        var ids = new List<string>();
        for (int i = 0; i < 2_000; i++)
        {
            ids.Add(EntityIds.NewOrdered("req", start.AddMilliseconds(i)));
        }

        Assert.Equal(ids, ids.Order(StringComparer.Ordinal));
        var same = Enumerable.Range(0, 1_000).Select(_ => EntityIds.NewOrdered("led", start)).ToHashSet();
        Assert.Equal(1_000, same.Count);
    }

    [Fact]
    public void SequentialIds_OfOneMillisecond_SortInTheOrderTheyWereMade_EvenWhenTheClockStepsBack()
    {
        var at = DateTimeOffset.Parse("2026-11-27T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture);
        var ids = new List<string>();
        for (int i = 0; i < 1_000; i++)
        {
            ids.Add(EntityIds.NewSequential("led", at));
        }

        ids.Add(EntityIds.NewSequential("led", at.AddMilliseconds(-5)));
        ids.Add(EntityIds.NewSequential("led", at.AddDays(1)));
        Assert.All(ids, id => Assert.Matches("^led_[0-9a-f]{28}$", id));
        Assert.Equal(ids.Count, ids.Distinct().Count());
        Assert.Equal(ids, ids.Order(StringComparer.Ordinal));
    }
}
