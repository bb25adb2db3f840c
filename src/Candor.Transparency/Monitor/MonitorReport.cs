namespace Candor.Transparency.Monitor;

/// <summary>What one check of a log found.</summary>
/// <param name="Verdict"><c>ok</c>; <c>bad_checkpoint</c> (not signed by the log's key, another origin, too few
/// witnesses); <c>rollback</c> (smaller than the checkpoint verified before); <c>fork</c> (its first entries are not
/// the tree verified before); <c>edited</c> (a tile or entry bundle does not hold the signed tree);
/// <c>unavailable</c> (a resource could not be fetched).</param>
/// <param name="Origin">The log's origin (empty when the checkpoint could not be read).</param>
/// <param name="OldSize">The size verified before (0 on the first check).</param>
/// <param name="NewSize">The size of the checkpoint just fetched.</param>
/// <param name="Problems">What is wrong, one line each (files by their tlog-tiles path).</param>
public sealed record MonitorReport(string Verdict, string Origin, long OldSize, long NewSize, IReadOnlyList<string> Problems)
{
    /// <summary>True when nothing is wrong.</summary>
    public bool Ok => Verdict == "ok";
}
