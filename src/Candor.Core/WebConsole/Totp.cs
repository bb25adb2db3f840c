using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Candor.Core.WebConsole;

/// <summary>Time-based one-time passwords (RFC 6238 over RFC 4226 HOTP) as authenticator apps compute them: HMAC-SHA1,
/// 30-second steps counted from the Unix epoch, 6 digits. A code is accepted for the current step and one step either
/// side (clock skew); the caller refuses a step at or before the last one accepted (<see cref="ITotpStore"/>).</summary>
internal static class Totp
{
    /// <summary>Digits in a code.</summary>
    public const int Digits = 6;

    /// <summary>Secret length in bytes (160 bits, the HMAC-SHA1 block the RFC recommends).</summary>
    public const int SecretBytes = 20;

    /// <summary>Seconds per step.</summary>
    public const int PeriodSeconds = 30;

    /// <summary>Steps accepted either side of the current one.</summary>
    public const int Skew = 1;

    private const string Base32Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

    /// <summary>The time step of <paramref name="time"/>.</summary>
    public static long Step(DateTimeOffset time) => Math.Max(0, time.ToUnixTimeSeconds()) / PeriodSeconds;

    /// <summary>The HOTP value (RFC 4226 §5.3: dynamic truncation, modulo 10^digits) of <paramref name="step"/>.</summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Security", "CA5350:Do not use weak cryptographic algorithms",
        Justification = "RFC 6238 and every authenticator app use HMAC-SHA1; HMAC does not depend on SHA-1's collision resistance.")]
    public static int Code(ReadOnlySpan<byte> secret, long step, HashAlgorithmName algorithm, int digits)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(digits, 6);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(digits, 9);
        Span<byte> counter = stackalloc byte[8];
        BinaryPrimitives.WriteInt64BigEndian(counter, step);
        Span<byte> mac = stackalloc byte[64];
        int length = algorithm == HashAlgorithmName.SHA1 ? HMACSHA1.HashData(secret, counter, mac)
            : algorithm == HashAlgorithmName.SHA256 ? HMACSHA256.HashData(secret, counter, mac)
            : algorithm == HashAlgorithmName.SHA512 ? HMACSHA512.HashData(secret, counter, mac)
            : throw new ArgumentOutOfRangeException(nameof(algorithm), "TOTP uses SHA-1, SHA-256 or SHA-512.");
        int offset = mac[length - 1] & 0x0f;
        int binary = (int)(BinaryPrimitives.ReadUInt32BigEndian(mac.Slice(offset, 4)) & 0x7fffffff);
        int modulus = 1;
        for (int i = 0; i < digits; i++)
        {
            modulus *= 10;
        }

        return binary % modulus;
    }

    /// <summary>The step within <see cref="Skew"/> of <paramref name="now"/> whose 6-digit SHA-1 code is
    /// <paramref name="presented"/>, or null. Every candidate step is computed and compared, whichever matches.</summary>
    public static long? Match(ReadOnlySpan<byte> secret, string presented, DateTimeOffset now)
    {
        string code = presented.Replace(" ", "", StringComparison.Ordinal);
        if (code.Length != Digits || !code.All(char.IsAsciiDigit))
        {
            return null;
        }

        int value = int.Parse(code, System.Globalization.CultureInfo.InvariantCulture);
        long current = Step(now);
        long? matched = null;
        for (long step = current - Skew; step <= current + Skew; step++)
        {
            if (step >= 0 && Code(secret, step, HashAlgorithmName.SHA1, Digits) == value && matched is null)
            {
                matched = step;
            }
        }

        return matched;
    }

    /// <summary>The associated data of a login's sealed secret (<see cref="Security.MasterKeyRing"/>): an envelope
    /// copied to another login's row does not open.</summary>
    public static byte[] AssociatedData(string principal) => Encoding.UTF8.GetBytes("console-totp:" + principal);

    /// <summary>A new random secret.</summary>
    public static byte[] NewSecret() => RandomNumberGenerator.GetBytes(SecretBytes);

    /// <summary>RFC 4648 base32 without padding, as authenticator apps take secrets.</summary>
    public static string Base32(ReadOnlySpan<byte> bytes)
    {
        var text = new StringBuilder((bytes.Length * 8 + 4) / 5);
        int buffer = 0, bits = 0;
        foreach (byte b in bytes)
        {
            buffer = (buffer << 8) | b;
            bits += 8;
            while (bits >= 5)
            {
                text.Append(Base32Alphabet[(buffer >> (bits - 5)) & 31]);
                bits -= 5;
            }
        }

        if (bits > 0)
        {
            text.Append(Base32Alphabet[(buffer << (5 - bits)) & 31]);
        }

        return text.ToString();
    }

    /// <summary>The Key Uri Format an authenticator app reads: <c>otpauth://totp/ISSUER:ACCOUNT?secret=…&amp;issuer=…</c>
    /// with the algorithm, digits and period spelled out.</summary>
    public static string Uri(string issuer, string account, ReadOnlySpan<byte> secret) =>
        $"otpauth://totp/{System.Uri.EscapeDataString(issuer)}:{System.Uri.EscapeDataString(account)}?secret={Base32(secret)}"
        + $"&issuer={System.Uri.EscapeDataString(issuer)}&algorithm=SHA1&digits={Digits}&period={PeriodSeconds}";
}
