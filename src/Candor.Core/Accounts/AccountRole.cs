namespace Candor.Core.Accounts;

/// <summary>What a member may do in an account, from most to least powerful.</summary>
internal enum AccountRole
{
    /// <summary>Everything, including managing other owners.</summary>
    Owner,

    /// <summary>Manages members, keys and limits.</summary>
    Admin,

    /// <summary>Creates and uses its own keys.</summary>
    Member,

    /// <summary>Reads usage and balance only.</summary>
    Viewer,
}
