namespace Candor.Core.Audit;

/// <summary>
/// The prompts probes carry, known only to this installation (docs/audits.md "The private probe bank"): written by
/// the target's trusted reference model on request (<see cref="ProbeWriter"/>) or supplied by the operator, kept in the
/// data directory and never in the source. Each prompt is sent once and then dropped, so no prompt repeats within
/// one installation, and two installations share none but by chance of their references' sampling. A prompt drawn
/// from a grammar in the public source could be recognised by an upstream that knows the source; these cannot be.
/// </summary>
internal sealed class PrivateProbeBank(IEnumerable<string> prompts, IProbeBankStore? store = null)
{
    private readonly Queue<string> _prompts = new(prompts);
    private readonly Lock _lock = new();

    /// <summary>Prompts not sent yet.</summary>
    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _prompts.Count;
            }
        }
    }

    /// <summary>Removes and returns up to <paramref name="count"/> prompts, oldest first, and stores the rest.</summary>
    public IReadOnlyList<string> Take(int count)
    {
        lock (_lock)
        {
            var taken = new List<string>(Math.Min(count, _prompts.Count));
            while (taken.Count < count && _prompts.TryDequeue(out var prompt))
            {
                taken.Add(prompt);
            }

            if (taken.Count > 0)
            {
                store?.Save(_prompts);
            }

            return taken;
        }
    }

    /// <summary>Adds new prompts at the end and stores the bank.</summary>
    public void Add(IReadOnlyCollection<string> prompts)
    {
        if (prompts.Count == 0)
        {
            return;
        }

        lock (_lock)
        {
            foreach (var prompt in prompts)
            {
                _prompts.Enqueue(prompt);
            }

            store?.Save(_prompts);
        }
    }
}
