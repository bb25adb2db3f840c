namespace Candor.Core.Audit;

/// <summary>Where the private probe bank (<see cref="PrivateProbeBank"/>) survives a restart: the data directory's
/// <c>audit-probes.jsonl</c>, owner-only, never served.</summary>
internal interface IProbeBankStore
{
    /// <summary>Replaces the stored prompts with <paramref name="prompts"/> (the ones not sent yet), atomically.</summary>
    void Save(IReadOnlyCollection<string> prompts);
}
