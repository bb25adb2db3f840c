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

    /// <summary>A new time-ordered id for rows written at request rate (requests, receipts, ledger entries):
    /// <c>kind_</c>, the Unix time in milliseconds as 12 hex digits, then 64 random bits as 16 hex digits
    /// (28 lowercase hex digits in all). Ids made later sort later, so a B-tree index on them grows at its right
    /// edge: a batch of inserts dirties a page or two instead of one random page per row (which made the WAL
    /// write about 4 KB per row and index). They say when they were made, to the millisecond, and nothing else.</summary>
    public static string NewOrdered(string kind, DateTimeOffset now)
    {
        Span<byte> bytes = stackalloc byte[14];
        long millis = Math.Max(0, now.ToUnixTimeMilliseconds());
        for (int i = 5; i >= 0; i--)
        {
            bytes[i] = (byte)millis;
            millis >>= 8;
        }

        RandomNumberGenerator.Fill(bytes[6..]);
        return string.Concat(kind, "_", Convert.ToHexStringLower(bytes));
    }
}
