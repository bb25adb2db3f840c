using Candor.Core.Admission;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Time.Testing;

namespace Candor.UnitTests.Core.Admission;

public sealed class RateLimiterTests
{
    private readonly FakeTimeProvider _time = new(DateTimeOffset.Parse("2026-11-26T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture));

    [Fact]
    public void RequestsPerMinute_AdmitsTheLimitThenRefusesWithRetryAfter()
    {
        var limiter = new RateLimiter(_time);
        var limits = new RateLimits(RequestsPerMinute: 60, TokensPerMinute: null, Concurrency: null);
        for (int i = 0; i < 60; i++)
        {
            var ok = limiter.TryAcquire("k", limits, 0);
            Assert.True(ok.Allowed);
            Assert.Equal(59 - i, ok.RemainingRequests);
            ok.Lease!.Settle(0);
        }

        var refused = limiter.TryAcquire("k", limits, 0);
        Assert.False(refused.Allowed);
        Assert.Equal("requests", refused.Exceeded);
        Assert.Equal(TimeSpan.FromSeconds(1), refused.RetryAfter);

        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.True(limiter.TryAcquire("k", limits, 0).Allowed);
    }

    [Fact]
    public void Remaining_CountsDownAndRecoversOverTheMinute()
    {
        var limiter = new RateLimiter(_time);
        var limits = new RateLimits(600, null, null);
        for (int i = 0; i < 300; i++)
        {
            limiter.TryAcquire("k", limits, 0).Lease!.Settle(0);
        }

        var d = limiter.TryAcquire("k", limits, 0);
        Assert.Equal(299, d.RemainingRequests);
        Assert.Equal("30.1s", RateLimiter.Duration(d.ResetRequests));
        _time.Advance(TimeSpan.FromSeconds(30));
        Assert.Equal(598, limiter.TryAcquire("k", limits, 0).RemainingRequests);
    }

    [Fact]
    public void TokensPerMinute_CountsReservedTokensAndRefundsTheUnusedPart()
    {
        var limiter = new RateLimiter(_time);
        var limits = new RateLimits(null, TokensPerMinute: 1000, null);
        var first = limiter.TryAcquire("k", limits, 800);
        Assert.True(first.Allowed);
        Assert.Equal(200, first.RemainingTokens);
        var second = limiter.TryAcquire("k", limits, 300);
        Assert.False(second.Allowed);
        Assert.Equal("tokens", second.Exceeded);

        first.Lease!.Settle(usedTokens: 100);
        var third = limiter.TryAcquire("k", limits, 300);
        Assert.True(third.Allowed);
        Assert.Equal(600, third.RemainingTokens);
    }

    [Fact]
    public void Concurrency_HoldsSlotsUntilSettledOnce()
    {
        var limiter = new RateLimiter(_time);
        var limits = new RateLimits(null, null, Concurrency: 2);
        var a = limiter.TryAcquire("k", limits, 0);
        var b = limiter.TryAcquire("k", limits, 0);
        var c = limiter.TryAcquire("k", limits, 0);
        Assert.True(a.Allowed && b.Allowed);
        Assert.False(c.Allowed);
        Assert.Equal("concurrency", c.Exceeded);
        a.Lease!.Settle(0);
        a.Lease!.Settle(0);
        Assert.True(limiter.TryAcquire("k", limits, 0).Allowed);
        Assert.False(limiter.TryAcquire("k", limits, 0).Allowed);
    }

    [Fact]
    public void RefusalByTokens_DoesNotSpendARequest()
    {
        var limiter = new RateLimiter(_time);
        var limits = new RateLimits(2, 100, null);
        Assert.False(limiter.TryAcquire("k", limits, 500).Allowed);
        Assert.True(limiter.TryAcquire("k", limits, 10).Allowed);
        Assert.True(limiter.TryAcquire("k", limits, 10).Allowed);
        Assert.False(limiter.TryAcquire("k", limits, 10).Allowed);
    }

    [Fact]
    public async Task ParallelAcquires_NeverExceedTheLimit()
    {
        var limiter = new RateLimiter(_time);
        var limits = new RateLimits(100, null, null);
        int admitted = 0;
        await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() =>
        {
            for (int i = 0; i < 100; i++)
            {
                if (limiter.TryAcquire("k", limits, 0) is { Allowed: true } d)
                {
                    Interlocked.Increment(ref admitted);
                    d.Lease!.Settle(0);
                }
            }
        }))).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(100, admitted);
    }

    [Fact]
    public void Headers_FollowOpenAIsNamesAndFormats()
    {
        var limiter = new RateLimiter(_time);
        var headers = new HeaderDictionary();
        var d = limiter.TryAcquire("k", new RateLimits(60, 1000, null), 250);
        RateLimiter.WriteHeaders(headers, static (h, name, value) => h[name] = value, d);
        Assert.Equal("60", headers["x-ratelimit-limit-requests"]);
        Assert.Equal("59", headers["x-ratelimit-remaining-requests"]);
        Assert.Equal("1s", headers["x-ratelimit-reset-requests"]);
        Assert.Equal("1000", headers["x-ratelimit-limit-tokens"]);
        Assert.Equal("750", headers["x-ratelimit-remaining-tokens"]);
        Assert.Equal("15s", headers["x-ratelimit-reset-tokens"]);
        Assert.False(headers.ContainsKey("Retry-After"));
    }

    [Fact]
    public void BeforeTheBody_TakesSlotAndRequestOnly_TokensFollowOnTheSameLease()
    {
        var limiter = new RateLimiter(_time);
        var limits = new RateLimits(10, 1000, Concurrency: 1);
        var early = limiter.TryAcquire("k", limits);
        Assert.True(early.Allowed);
        Assert.Equal(9, early.RemainingRequests);
        Assert.Equal(1000, early.RemainingTokens);
        Assert.Equal("concurrency", limiter.TryAcquire("k", limits).Exceeded);

        var tokens = limiter.TryReserveTokens(early.Lease!, limits, 400);
        Assert.True(tokens.Allowed);
        Assert.Same(early.Lease, tokens.Lease);
        Assert.Equal(600, tokens.RemainingTokens);
        Assert.Equal(9, tokens.RemainingRequests);

        tokens.Lease!.Settle(usedTokens: 100);
        var next = limiter.TryAcquire("k", limits);
        Assert.True(next.Allowed);
        Assert.Equal(900, next.RemainingTokens);
    }

    [Fact]
    public void TokensRefusedAfterTheBody_GiveTheRequestBack_AndDisposeFreesTheSlot()
    {
        var limiter = new RateLimiter(_time);
        var limits = new RateLimits(2, 100, Concurrency: 1);
        var early = limiter.TryAcquire("k", limits);
        var refused = limiter.TryReserveTokens(early.Lease!, limits, 500);
        Assert.False(refused.Allowed);
        Assert.Equal("tokens", refused.Exceeded);
        Assert.Null(refused.Lease);
        Assert.Equal(2, refused.RemainingRequests);

        // The request still holds its slot until it ends; disposing (twice, as every path may) frees it once.
        Assert.Equal("concurrency", limiter.TryAcquire("k", limits).Exceeded);
        early.Lease!.Dispose();
        early.Lease!.Dispose();
        var a = limiter.TryAcquire("k", limits);
        Assert.True(a.Allowed);
        Assert.False(limiter.TryAcquire("k", limits).Allowed);
        a.Lease!.Settle(0);
        Assert.True(limiter.TryAcquire("k", limits).Allowed);
    }

    [Theory]
    [InlineData(20, "20ms")]
    [InlineData(1500, "1.5s")]
    [InlineData(360000, "6m0s")]
    [InlineData(61500, "1m1.5s")]
    public void Duration_UsesOpenAIsFormat(int milliseconds, string expected) =>
        Assert.Equal(expected, RateLimiter.Duration(TimeSpan.FromMilliseconds(milliseconds)));
}
