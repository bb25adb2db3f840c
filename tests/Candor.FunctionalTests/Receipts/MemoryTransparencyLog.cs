using Candor.Core.Transparency;

namespace Candor.FunctionalTests.Receipts;

/// <summary>A test stand-in for the transparency log (the real one is built separately): records the entries.</summary>
public sealed class MemoryTransparencyLog : ITransparencyLog
{
    private readonly List<byte[]> _entries = [];

    public TimeSpan MaxMergeDelay => TimeSpan.FromSeconds(10);

    public string Origin => "relay.test/log";

    public IReadOnlyList<byte[]> Entries
    {
        get
        {
            lock (_entries)
            {
                return [.. _entries];
            }
        }
    }

    public ValueTask<long> AppendAsync(ReadOnlyMemory<byte> entry, CancellationToken cancellationToken)
    {
        lock (_entries)
        {
            _entries.Add(entry.ToArray());
            return ValueTask.FromResult((long)_entries.Count - 1);
        }
    }
}
