namespace Candor.Core.Audit;

/// <summary>Where the private probe bank (<see cref="PrivateProbeBank"/>) survives a restart: the data directory's
/// <c>audit-probes.jsonl</c>, owner-only, never served.</summary>
internal interface IProbeBankStore
{
    /// <summary>Replaces the stored prompts with <paramref name="prompts"/> (the ones not sent yet), atomically.</summary>
    void Save(IReadOnlyCollection<string> prompts);

    /// <summary>Replaces the stored entries with <paramref name="entries"/> (the ones not sent yet), atomically, with what
    /// the reference wrote alongside each prompt; a store that keeps prompts only keeps their text.</summary>
    void Save(IReadOnlyCollection<ProbeBankEntry> entries) => Save([.. entries.Select(static e => e.Prompt)]);
}
