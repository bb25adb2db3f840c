namespace Candor.Core.Accounts;

/// <summary>A customer account: the owner of keys, balance and usage.</summary>
/// <param name="Id">Stable id, <c>acct_…</c>.</param>
/// <param name="Name">Display name.</param>
/// <param name="Group">The price multiplier group the account belongs to (<c>default</c> unless set).</param>
/// <param name="CreatedAt">When the account was created (millisecond precision once stored).</param>
/// <param name="Disabled">A disabled account's keys are refused.</param>
internal sealed record Account(string Id, string Name, string Group, DateTimeOffset CreatedAt, bool Disabled)
{
    /// <summary>The price group of an account that has not been given one.</summary>
    public const string DefaultGroup = "default";
}
