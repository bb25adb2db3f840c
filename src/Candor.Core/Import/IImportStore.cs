namespace Candor.Core.Import;

/// <summary>The store side of <c>candor import</c>: the record of what was imported from where, and one unit of work
/// that writes a whole <see cref="ImportPlan"/>. Implemented by every store (SQLite, PostgreSQL) over the same tables
/// the other store interfaces use, so imported rows are ordinary accounts, keys, channels, prices and codes.</summary>
internal interface IImportStore
{
    /// <summary>The rows already imported from <paramref name="source"/>: <c>kind:source id</c> → Candor id.</summary>
    Task<IReadOnlyDictionary<string, string>> GetImportedAsync(string source, CancellationToken cancellationToken);

    /// <summary>Writes the plan in one transaction: every row with its mapping record, or nothing. A row whose mapping
    /// record already exists (imported by an earlier or concurrent run) is skipped, so a rerun duplicates nothing.
    /// Bumps the key, channel and price versions so running servers pick the rows up.</summary>
    Task<ImportResult> ApplyAsync(ImportPlan plan, CancellationToken cancellationToken);
}
