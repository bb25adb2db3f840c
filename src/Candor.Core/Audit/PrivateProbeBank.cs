namespace Candor.Core.Audit;

/// <summary>
/// The prompts probes carry, known only to this installation (docs/audits.md "The private probe bank"): written by
/// the target's trusted reference model on request (<see cref="ProbeWriter"/>) or supplied by the operator, kept in the
/// data directory and never in the source. Each prompt is sent once and then dropped, so no prompt repeats within
/// one installation, and two installations share none but by chance of their references' sampling. A prompt drawn
/// from a grammar in the public source could be recognised by an upstream that knows the source; these cannot be.
/// An entry may carry a function tool the reference wrote with the prompt, so tool-calling traffic is probed too.
/// </summary>
internal sealed class PrivateProbeBank(IEnumerable<ProbeBankEntry> entries, IProbeBankStore? store = null)
{
    private readonly Queue<ProbeBankEntry> _entries = new(entries);
    private readonly Lock _lock = new();

    /// <summary>A bank of plain prompts (no tool, not written as long-answer requests).</summary>
    public PrivateProbeBank(IEnumerable<string> prompts, IProbeBankStore? store = null)
        : this(prompts.Select(static p => new ProbeBankEntry(p)), store)
    {
    }

    /// <summary>Prompts not sent yet.</summary>
    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _entries.Count;
            }
        }
    }

    /// <summary>Removes and returns up to <paramref name="count"/> prompts, oldest first, and stores the rest.</summary>
    public IReadOnlyList<string> Take(int count) => [.. TakeEntries(count).Select(static e => e.Prompt)];

    /// <summary>Removes and returns up to <paramref name="count"/> entries, oldest first, and stores the rest.</summary>
    public IReadOnlyList<ProbeBankEntry> TakeEntries(int count)
    {
        lock (_lock)
        {
            var taken = new List<ProbeBankEntry>(Math.Min(count, _entries.Count));
            while (taken.Count < count && _entries.TryDequeue(out var entry))
            {
                taken.Add(entry);
            }

            if (taken.Count > 0)
            {
                store?.Save(_entries);
            }

            return taken;
        }
    }

    /// <summary>Adds new prompts at the end and stores the bank.</summary>
    public void Add(IReadOnlyCollection<string> prompts) => Add([.. prompts.Select(static p => new ProbeBankEntry(p))]);

    /// <summary>Adds new entries at the end and stores the bank.</summary>
    public void Add(IReadOnlyCollection<ProbeBankEntry> entries)
    {
        if (entries.Count == 0)
        {
            return;
        }

        lock (_lock)
        {
            foreach (var entry in entries)
            {
                _entries.Enqueue(entry);
            }

            store?.Save(_entries);
        }
    }
}
