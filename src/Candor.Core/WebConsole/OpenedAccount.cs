namespace Candor.Core.WebConsole;

/// <summary>The account a sign-up opened and its grant's ledger entry id (null when the grant is 0).</summary>
internal sealed record OpenedAccount(string Principal, string AccountId, string? GrantLedgerId);
