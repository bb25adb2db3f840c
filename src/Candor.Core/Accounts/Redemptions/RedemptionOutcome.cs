namespace Candor.Core.Accounts.Redemptions;

/// <summary>What became of one redemption attempt.</summary>
internal enum RedemptionOutcome
{
    /// <summary>The code was unused and is now redeemed; the account was credited once.</summary>
    Redeemed,

    /// <summary>No code has that value (the only outcome that counts as a guess for the brute-force limit).</summary>
    Unknown,

    /// <summary>The code was already redeemed (by this account or another).</summary>
    AlreadyRedeemed,

    /// <summary>The code's expiry has passed.</summary>
    Expired,

    /// <summary>The code is restricted to another account or price group.</summary>
    NotForAccount,

    /// <summary>Not looked at: a counter of <see cref="RedemptionLimits"/> had its unknown codes already.</summary>
    Throttled,
}
