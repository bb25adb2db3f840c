namespace Candor.Core.Audit;

/// <summary>
/// The cap check (docs/audits.md "cap"): probes carry limits drawn as client traffic's are (<see cref="TrafficLimits"/>),
/// so no probe is told apart by a small limit, and every probe whose reference answer ran to its limit is checked. Two
/// things an honest channel never does: report more output tokens than the probe's limit when the reference does not
/// (it bills past the cap — the vendor's limit bounds its output), and stop at less than half the reference's length on a
/// probe whose reference ran to the limit (a limit lowered silently, whatever finish reason it gives).
/// </summary>
internal static class CapCheck
{
    /// <summary>What one round's pairs show.</summary>
    /// <param name="Reached">Probes with a limit whose reference answer ran to it.</param>
    /// <param name="Over">Probes whose channel answer reported more output tokens than the limit (the reference's did not).</param>
    /// <param name="Early">Probes whose reference ran to the limit and whose channel answer stopped at less than half the
    /// reference's length.</param>
    internal readonly record struct Result(int Reached, int Over, int Early);

    /// <summary>Checks the pairs both sides answered against their probes' limits.</summary>
    public static Result Run(IReadOnlyList<Probe> probes, IReadOnlyList<(ProbeAnswer Channel, ProbeAnswer Reference)> pairs)
    {
        int reached = 0, over = 0, early = 0;
        foreach (var (channel, reference) in pairs)
        {
            if (probes[channel.Stratum].MaxTokens is not { } cap)
            {
                continue;
            }

            if (channel.ReportedTokens > cap && !(reference.ReportedTokens > cap))
            {
                over++;
            }

            if (reference.HitLimit)
            {
                reached++;
                if (channel.OwnTokens * 2 < reference.OwnTokens)
                {
                    early++;
                }
            }
        }

        return new Result(reached, over, early);
    }
}
