using System.Text;

namespace Candor.FunctionalTests.Infrastructure;

/// <summary>A deliberately simple SSE reader for tests (independent of Candor's parser): LF-separated
/// lines, blank line dispatches.</summary>
public static class Sse
{
    public sealed record Event(string? Type, string Data);

    public static async Task<List<Event>> ReadAllAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var events = new List<Event>();
        await foreach (var e in ReadAsync(response, cancellationToken))
        {
            events.Add(e);
        }

        return events;
    }

    public static async IAsyncEnumerable<Event> ReadAsync(HttpResponseMessage response, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        string? type = null;
        var data = new StringBuilder();
        bool hasData = false;
        while (await reader.ReadLineAsync(cancellationToken) is { } line)
        {
            if (line.Length == 0)
            {
                if (hasData)
                {
                    yield return new Event(type, data.ToString());
                }

                type = null;
                data.Clear();
                hasData = false;
                continue;
            }

            if (line.StartsWith(':'))
            {
                continue;
            }

            int colon = line.IndexOf(':');
            string field = colon < 0 ? line : line[..colon];
            string value = colon < 0 ? "" : line[(colon + 1)..].TrimStart(' ');
            if (field == "event")
            {
                type = value;
            }
            else if (field == "data")
            {
                if (hasData)
                {
                    data.Append('\n');
                }

                data.Append(value);
                hasData = true;
            }
        }
    }
}
