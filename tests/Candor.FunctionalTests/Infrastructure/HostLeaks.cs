using Candor.Core.Admission;
using Candor.Core.Routing;
using Candor.Emulator;
using Candor.Server.Surfaces;
using Microsoft.Extensions.DependencyInjection;

namespace Candor.FunctionalTests.Infrastructure;

/// <summary>What a test host can leave behind once every test is done: an upstream request still open, a node
/// admission slot (request, stream, buffered body bytes), a deployment lease, a key's concurrency slot, money
/// reserved and not settled, or a task exception nobody observed. Waits a few seconds for settling to finish first.
/// The book's and the limiter's figures come from their internal read-only views (<see cref="BillingBook.HeldByAccount"/>,
/// <see cref="BillingBook.HeldByKey"/>, <see cref="RateLimiter.InFlightByKey"/>).</summary>
internal static class HostLeaks
{
    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(5);

    /// <summary>Null when nothing leaked; otherwise one line per leak.</summary>
    public static async Task<string?> DescribeAsync(IServiceProvider services, IReadOnlyList<EmulatorHost> emulators, UnobservedExceptions unobserved)
    {
        var deadline = DateTime.UtcNow + Settle;
        List<string> leaks;
        while ((leaks = Find(services, emulators)).Count > 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        leaks.AddRange(unobserved.Collect().Select(static e => "unobserved task exception: " + e));
        return leaks.Count == 0 ? null : string.Join(Environment.NewLine, leaks);
    }

    private static List<string> Find(IServiceProvider services, IReadOnlyList<EmulatorHost> emulators)
    {
        var leaks = new List<string>();
        int open = emulators.Sum(static e => e.ActiveRequests);
        if (open > 0)
        {
            leaks.Add($"{open} upstream request(s) still open at the emulator");
        }

        if (services.GetService<NodeAdmission>() is { } node && (node.InFlight, node.OpenStreams, node.BufferedBodyBytes) is var held && held != (0, 0, 0))
        {
            leaks.Add($"node admission holds {held.InFlight} request(s), {held.OpenStreams} stream(s), {held.BufferedBodyBytes} body byte(s)");
        }

        if (services.GetService<HealthRegistry>() is { } health && services.GetService<SnapshotHolder>() is { } snapshots)
        {
            leaks.AddRange(health.Describe(snapshots.Current).SelectMany(static c => c.Deployments).Where(static d => d.InFlight != 0)
                .Select(static d => $"deployment {d.ChannelId} has {d.InFlight} lease(s) in flight"));
        }

        if (services.GetService<BillingBook>() is { } book)
        {
            leaks.AddRange(book.HeldByAccount.SelectMany(static a => Figures("account " + a.Id, a.Reserved, a.Settling)));
            leaks.AddRange(book.HeldByKey.SelectMany(static k => Figures("key budget " + k.Id, k.Reserved, k.Settling)));
        }

        if (services.GetService<RateLimiter>() is { } limiter)
        {
            leaks.AddRange(limiter.InFlightByKey.Select(static k => $"key concurrency {k.KeyId}: InFlight = {k.InFlight}"));
        }

        return leaks;
    }

    private static IEnumerable<string> Figures(string holder, long reserved, int settling)
    {
        if (reserved != 0)
        {
            yield return $"{holder}: Reserved = {reserved}";
        }

        if (settling != 0)
        {
            yield return $"{holder}: Settling = {settling}";
        }
    }
}
