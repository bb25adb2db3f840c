namespace Candor.Core.Privacy;

/// <summary>Who a stored privacy policy belongs to.</summary>
internal enum PrivacySubject
{
    /// <summary>An account: applies to every key of the account.</summary>
    Account,

    /// <summary>One stored key.</summary>
    Key,
}
