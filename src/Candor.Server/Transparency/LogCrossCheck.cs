using Candor.Core.Configuration;
using Candor.Core.Receipts;
using Candor.Storage;
using Candor.Transparency.Log;
using Candor.Transparency.Merkle;

namespace Candor.Server.Transparency;

/// <summary>The database and the log check each other before the server listens: the receipt the database places at
/// the highest log index must be in the log, at that index. A log wiped or rolled back (with its anchored checkpoint
/// gone too) is shorter than that index; a log rebuilt with other entries holds another leaf there.</summary>
internal static class LogCrossCheck
{
    private const string Remedy = "Restore the log directory (and log.checkpoint) from a backup taken after that receipt was logged. To start a new log on purpose, see docs/transparency.md, \"Starting a new log\".";

    /// <summary>Throws a <see cref="ConfigException"/> naming what is wrong and what to do, unless the log holds the
    /// last receipt the database recorded in it.</summary>
    public static async Task CheckAsync(TileLog log, RelationalStore store, CancellationToken cancellationToken)
    {
        if (await store.LastLoggedAsync(cancellationToken).ConfigureAwait(false) is not { LeafIndex: { } index } last)
        {
            return;
        }

        // Every entry the journal held is integrated on open, so an index the database recorded is below the size.
        if (index >= log.Size)
        {
            throw new ConfigException($"transparency log: the database places receipt {last.Id} at log index {index}, but the log holds only {log.Size} entries: it was wiped or rolled back, and receipts already handed out name indexes it no longer has. {Remedy}");
        }

        if (!log.LeafHash(index).AsSpan().SequenceEqual(TreeHash.Leaf(ReceiptLogAppender.LeafOf(last.Body))))
        {
            throw new ConfigException($"transparency log: log index {index} does not hold receipt {last.Id}, which the database placed there: the log was rebuilt with other entries (a fork). {Remedy}");
        }
    }
}
