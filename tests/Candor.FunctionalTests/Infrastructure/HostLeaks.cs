using System.Collections;
using System.Reflection;
using Candor.Core.Admission;
using Candor.Core.Routing;
using Candor.Emulator;
using Candor.Server.Surfaces;
using Microsoft.Extensions.DependencyInjection;

namespace Candor.FunctionalTests.Infrastructure;

/// <summary>What a test host can leave behind once every test is done: an upstream request still open, a node
/// admission slot (request, stream, buffered body bytes), a deployment lease, a key's concurrency slot, money
/// reserved and not settled, or a task exception nobody observed. Waits a few seconds for settling to finish first.
/// The book's and the limiter's figures are private, so they are read by reflection; when their shape changes the
/// check says so rather than passing.</summary>
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
            leaks.AddRange(Held(book, "_accounts", "Reserved", "Settling").Select(static a => "account " + a));
            leaks.AddRange(Held(book, "_keys", "Reserved", "Settling").Select(static k => "key budget " + k));
        }

        if (services.GetService<RateLimiter>() is { } limiter)
        {
            leaks.AddRange(Held(limiter, "_keys", "InFlight").Select(static k => "key concurrency " + k));
        }

        return leaks;
    }

    /// <summary>The entries of the private dictionary <paramref name="field"/> (values plain, or behind Lazy and Task)
    /// whose named figures are not zero.</summary>
    private static IEnumerable<string> Held(object owner, string field, params string[] figures)
    {
        var type = owner.GetType();
        if (type.GetField(field, BindingFlags.NonPublic | BindingFlags.Instance)?.GetValue(owner) is not IDictionary entries)
        {
            yield return $"(cannot check: {type.Name}.{field} is no longer a dictionary; update {nameof(HostLeaks)})";
            yield break;
        }

        foreach (DictionaryEntry entry in entries)
        {
            object? value = Unwrap(entry.Value);
            if (value is null)
            {
                continue;
            }

            foreach (string figure in figures)
            {
                object? amount = value.GetType().GetProperty(figure)?.GetValue(value);
                if (amount is null)
                {
                    yield return $"(cannot check: {value.GetType().Name}.{figure} is gone; update {nameof(HostLeaks)})";
                }
                else if (Convert.ToInt64(amount, System.Globalization.CultureInfo.InvariantCulture) != 0)
                {
                    yield return $"{entry.Key}: {figure} = {amount}";
                }
            }
        }
    }

    /// <summary>The loaded value behind a Lazy and a Task; null while it is still loading or failed to load.</summary>
    private static object? Unwrap(object? value)
    {
        var type = value?.GetType();
        if (type is { IsGenericType: true } && type.GetGenericTypeDefinition() == typeof(Lazy<>))
        {
            if (!(bool)type.GetProperty(nameof(Lazy<object>.IsValueCreated))!.GetValue(value)!)
            {
                return null;
            }

            value = type.GetProperty(nameof(Lazy<object>.Value))!.GetValue(value);
        }

        if (value is Task task)
        {
            return task.IsCompletedSuccessfully ? task.GetType().GetProperty(nameof(Task<object>.Result))!.GetValue(task) : null;
        }

        return value;
    }
}
