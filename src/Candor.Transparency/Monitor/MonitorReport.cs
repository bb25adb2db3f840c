namespace Candor.Transparency.Monitor;

/// <summary>What one check of a log found.</summary>
/// <param name="Verdict"><c>ok</c>; <c>bad_checkpoint</c> (not signed by the log's key, another origin, too few
/// witnesses); <c>rollback</c> (smaller than the checkpoint verified before); <c>fork</c> (its first entries are not
/// the tree verified before); <c>edited</c> (a tile or entry bundle does not hold the signed tree); <c>bad_entry</c> (an
/// audit verdict in the log is malformed or states a decision its own figures do not allow);
/// <c>unavailable</c> (a resource could not be fetched).</param>
/// <param name="Origin">The log's origin (empty when the checkpoint could not be read).</param>
/// <param name="OldSize">The size verified before (0 on the first check).</param>
/// <param name="NewSize">The size of the checkpoint just fetched.</param>
/// <param name="Problems">What is wrong, one line each (files by their tlog-tiles path).</param>
public sealed record MonitorReport(string Verdict, string Origin, long OldSize, long NewSize, IReadOnlyList<string> Problems)
{
    /// <summary>True when nothing is wrong.</summary>
    public bool Ok => Verdict == "ok";

    /// <summary><c>full</c> (the whole tree downloaded) or <c>incremental</c> (only what the kept roots do not cover).</summary>
    public string Mode { get; init; } = "full";

    /// <summary>Tiles and bundles downloaded by the check.</summary>
    public int Downloaded { get; init; }

    /// <summary>Audit verdicts read and checked among the entries downloaded.</summary>
    public long VerdictsChecked { get; init; }
}
