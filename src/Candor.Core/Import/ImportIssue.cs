namespace Candor.Core.Import;

/// <summary>A source row the import cannot map (<see cref="Imported"/> false: it is left out), or one it maps only
/// in part (<see cref="Imported"/> true: the named part is dropped). Reasons never carry secrets.</summary>
/// <param name="Kind">The source table (<see cref="ImportKind"/>).</param>
/// <param name="SourceId">The row's id in the source (the model or group name for ratios).</param>
/// <param name="Reason">Why, in words an operator can act on.</param>
/// <param name="Imported">True when the row is imported without the named part.</param>
internal sealed record ImportIssue(string Kind, string SourceId, string Reason, bool Imported = false);
