namespace Candor.Core.Accounts;

/// <summary>A principal (user id or email) and its role in one account.</summary>
internal sealed record Member(string AccountId, string Principal, AccountRole Role);
