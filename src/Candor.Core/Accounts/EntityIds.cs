using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Candor.Core.Accounts;

/// <summary>Typed ids: a prefix naming the kind, then either 22 random base62 characters (about 131 bits from the
/// CSPRNG: unguessable, for accounts and keys; <see cref="New"/>) or 28 hex digits that sort by time (for rows
/// written at request rate; <see cref="NewOrdered"/>, <see cref="NewSequential"/>).</summary>
internal static class EntityIds
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
    public static string NewOrdered(string kind, DateTimeOffset now) =>
        Format(kind, Math.Max(0, now.ToUnixTimeMilliseconds()), NextRandom64());

    /// <summary>Bytes of CSPRNG output each thread draws at once: 32 ids' worth, one native call instead of 32.</summary>
    internal const int RandomBlockBytes = 256;

    [ThreadStatic]
    private static byte[]? t_random;

    [ThreadStatic]
    private static int t_randomLeft;

    [ThreadStatic]
    private static int t_refills;

    /// <summary>How many times this thread has drawn a block from the CSPRNG (for tests).</summary>
    internal static int RefillsOnThisThread => t_refills;

    /// <summary>64 bits from this thread's block of CSPRNG output, refilled from <see cref="RandomNumberGenerator"/>
    /// when used up. Ids are made at request rate (a request id and a receipt id per request), and one draw per id
    /// was the most frequent native call of the bare path. The bytes are the same CSPRNG's output, drawn 256 at a
    /// time instead of 8: each 8-byte slice is as unpredictable as a separate draw (a CSPRNG's output is
    /// indistinguishable from independent uniform bytes however it is split, and seeing earlier slices — in ids
    /// already handed out — says nothing of later ones without breaking the generator). Each slice is used once
    /// and wiped as it is taken; the block belongs to one thread, so no two ids share bytes. What is new is that
    /// up to 248 bytes of ids not yet made sit in this process's memory: whoever can read that memory can read
    /// the receipt key and the server secret too, and ids are not secrets (<see cref="NewOrdered"/>).</summary>
    private static ulong NextRandom64()
    {
        byte[] block = t_random ??= new byte[RandomBlockBytes];
        int left = t_randomLeft;
        if (left < sizeof(ulong))
        {
            RandomNumberGenerator.Fill(block);
            left = block.Length;
            t_refills++;
        }

        var slice = block.AsSpan(block.Length - left, sizeof(ulong));
        ulong value = BinaryPrimitives.ReadUInt64BigEndian(slice);
        slice.Clear();
        t_randomLeft = left - sizeof(ulong);
        return value;
    }

    private static readonly Lock SequenceGate = new();
    private static long _sequenceMillis = -1;
    private static ulong _sequenceLow;

    /// <summary>A time-ordered id like <see cref="NewOrdered"/> whose order within this process is also the order
    /// the ids were made: the 64-bit part is random for the first id of a millisecond and counts up from it for
    /// the next ones in the same millisecond (and a clock that steps back keeps the last millisecond). For the
    /// ledger, whose newest-first pages (ordered by time, then id) must list entries made in the same millisecond
    /// in the order they were written. Guessable from a neighbour within a millisecond: not for secrets.</summary>
    public static string NewSequential(string kind, DateTimeOffset now)
    {
        long millis = Math.Max(0, now.ToUnixTimeMilliseconds());
        ulong low;
        lock (SequenceGate)
        {
            if (millis > _sequenceMillis)
            {
                // The top bit clear: 2^63 ids fit in the millisecond before the count could overflow.
                low = NextRandom64() >> 1;
                _sequenceMillis = millis;
            }
            else
            {
                millis = _sequenceMillis;
                low = _sequenceLow + 1;
            }

            _sequenceLow = low;
        }

        return Format(kind, millis, low);
    }

    /// <summary><c>kind_</c>, then 48 bits of milliseconds and the 64-bit <paramref name="low"/>, as 28 lowercase hex digits.</summary>
    private static string Format(string kind, long millis, ulong low)
    {
        Span<byte> bytes = stackalloc byte[14];
        for (int i = 5; i >= 0; i--)
        {
            bytes[i] = (byte)millis;
            millis >>= 8;
        }

        BinaryPrimitives.WriteUInt64BigEndian(bytes[6..], low);
        return string.Concat(kind, "_", Convert.ToHexStringLower(bytes));
    }
}
