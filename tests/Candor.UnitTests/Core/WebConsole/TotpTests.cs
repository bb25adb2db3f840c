using System.Security.Cryptography;
using System.Text;
using Candor.Core.WebConsole;

namespace Candor.UnitTests.Core.WebConsole;

public sealed class TotpTests
{
    // RFC 6238 Appendix B: the seeds are the ASCII digits repeated to the hash's block size of key material.
    private static readonly byte[] Sha1Seed = Encoding.ASCII.GetBytes("12345678901234567890");
    private static readonly byte[] Sha256Seed = Encoding.ASCII.GetBytes("12345678901234567890123456789012");
    private static readonly byte[] Sha512Seed = Encoding.ASCII.GetBytes("1234567890123456789012345678901234567890123456789012345678901234");

    [Theory]
    [InlineData(59L, "94287082", "46119246", "90693936")]
    [InlineData(1111111109L, "07081804", "68084774", "25091201")]
    [InlineData(1111111111L, "14050471", "67062674", "99943326")]
    [InlineData(1234567890L, "89005924", "91819424", "93441116")]
    [InlineData(2000000000L, "69279037", "90698825", "38618901")]
    [InlineData(20000000000L, "65353130", "77737706", "47863826")]
    public void Rfc6238TestVectors_AreReproduced(long unixSeconds, string sha1, string sha256, string sha512)
    {
        long step = Totp.Step(DateTimeOffset.FromUnixTimeSeconds(unixSeconds));
        Assert.Equal(sha1, Totp.Code(Sha1Seed, step, HashAlgorithmName.SHA1, 8).ToString("D8", System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(sha256, Totp.Code(Sha256Seed, step, HashAlgorithmName.SHA256, 8).ToString("D8", System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(sha512, Totp.Code(Sha512Seed, step, HashAlgorithmName.SHA512, 8).ToString("D8", System.Globalization.CultureInfo.InvariantCulture));

        // The 6-digit code apps show is the same value modulo 10^6.
        Assert.Equal(sha1[2..], Totp.Code(Sha1Seed, step, HashAlgorithmName.SHA1, 6).ToString("D6", System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public void Match_AcceptsOneStepOfSkewEitherSide_AndNothingFurther()
    {
        var now = DateTimeOffset.FromUnixTimeSeconds(1_234_567_890);
        long step = Totp.Step(now);
        string Code(long s) => Totp.Code(Sha1Seed, s, HashAlgorithmName.SHA1, 6).ToString("D6", System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(step, Totp.Match(Sha1Seed, Code(step), now));
        Assert.Equal(step - 1, Totp.Match(Sha1Seed, Code(step - 1), now));
        Assert.Equal(step + 1, Totp.Match(Sha1Seed, Code(step + 1), now));
        Assert.Null(Totp.Match(Sha1Seed, Code(step - 2), now));
        Assert.Null(Totp.Match(Sha1Seed, Code(step + 2), now));
        Assert.Equal(step, Totp.Match(Sha1Seed, Code(step)[..3] + " " + Code(step)[3..], now));
    }

    [Theory]
    [InlineData("")]
    [InlineData("12345")]
    [InlineData("1234567")]
    [InlineData("12a456")]
    [InlineData("١٢٣٤٥٦")] // non-ASCII digits
    public void Match_RefusesMalformedCodes(string code) =>
        Assert.Null(Totp.Match(Sha1Seed, code, DateTimeOffset.FromUnixTimeSeconds(59)));

    [Fact]
    public void Base32_IsRfc4648WithoutPadding()
    {
        // RFC 4648 §10 test vectors, padding removed.
        Assert.Equal("", Totp.Base32(""u8));
        Assert.Equal("MY", Totp.Base32("f"u8));
        Assert.Equal("MZXQ", Totp.Base32("fo"u8));
        Assert.Equal("MZXW6", Totp.Base32("foo"u8));
        Assert.Equal("MZXW6YQ", Totp.Base32("foob"u8));
        Assert.Equal("MZXW6YTB", Totp.Base32("fooba"u8));
        Assert.Equal("MZXW6YTBOI", Totp.Base32("foobar"u8));
    }

    [Fact]
    public void Uri_FollowsTheKeyUriFormat()
    {
        string uri = Totp.Uri("Relay Co", "alice@example.com", Sha1Seed);
        Assert.Equal("otpauth://totp/Relay%20Co:alice%40example.com?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Relay%20Co&algorithm=SHA1&digits=6&period=30", uri);
    }
}
