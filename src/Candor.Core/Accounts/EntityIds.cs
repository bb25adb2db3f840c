using System.Security.Cryptography;

namespace Candor.Core.Accounts;

/// <summary>Random, typed ids (<c>acct_…</c>, <c>key_…</c>, <c>led_…</c>): a prefix naming the kind and
/// 22 base62 characters (about 131 bits) from the CSPRNG, so ids are unguessable and never collide.</summary>
public static class EntityIds
{
    /// <summary>Prefix of account ids.</summary>
    public const string Account = "acct";

    /// <summary>Prefix of key ids.</summary>
    public const string Key = "key";

    /// <summary>Prefix of ledger entry ids.</summary>
    public const string Ledger = "led";

    internal const string Base62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

    /// <summary>A new id of the given kind, e.g. <c>New(EntityIds.Account)</c> → <c>acct_…</c>.</summary>
    public static string New(string kind) => string.Concat(kind, "_", RandomNumberGenerator.GetString(Base62, 22));
}
