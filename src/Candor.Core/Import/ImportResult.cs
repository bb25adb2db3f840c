namespace Candor.Core.Import;

/// <summary>What <see cref="IImportStore.ApplyAsync"/> wrote: rows imported and rows skipped because an earlier
/// run had imported them (a concurrent or repeated run), by kind (<see cref="ImportKind"/>).</summary>
internal sealed record ImportResult(IReadOnlyDictionary<string, int> Imported, IReadOnlyDictionary<string, int> Skipped);
