using System.Buffers.Binary;
using System.Text;
using Candor.Core.Receipts;

namespace Candor.UnitTests.Core.Receipts;

/// <summary>RFC 8785's own examples: the number table of Appendix B, the sorting example of section 3.2.3 and
/// the combined example of section 3.2.2.</summary>
public sealed class JcsTests
{
    [Theory]
    [InlineData("0000000000000000", "0")]
    [InlineData("8000000000000000", "0")]
    [InlineData("0000000000000001", "5e-324")]
    [InlineData("8000000000000001", "-5e-324")]
    [InlineData("7fefffffffffffff", "1.7976931348623157e+308")]
    [InlineData("ffefffffffffffff", "-1.7976931348623157e+308")]
    [InlineData("4340000000000000", "9007199254740992")]
    [InlineData("c340000000000000", "-9007199254740992")]
    [InlineData("4430000000000000", "295147905179352830000")]
    [InlineData("44b52d02c7e14af5", "9.999999999999997e+22")]
    [InlineData("44b52d02c7e14af6", "1e+23")]
    [InlineData("44b52d02c7e14af7", "1.0000000000000001e+23")]
    [InlineData("444b1ae4d6e2ef4e", "999999999999999700000")]
    [InlineData("444b1ae4d6e2ef4f", "999999999999999900000")]
    [InlineData("444b1ae4d6e2ef50", "1e+21")]
    [InlineData("3eb0c6f7a0b5ed8c", "9.999999999999997e-7")]
    [InlineData("3eb0c6f7a0b5ed8d", "0.000001")]
    [InlineData("41b3de4355555553", "333333333.3333332")]
    [InlineData("41b3de4355555554", "333333333.33333325")]
    [InlineData("41b3de4355555555", "333333333.3333333")]
    [InlineData("41b3de4355555556", "333333333.3333334")]
    [InlineData("41b3de4355555557", "333333333.33333343")]
    [InlineData("becbf647612f3696", "-0.0000033333333333333333")]
    [InlineData("43143ff3c1cb0959", "1424953923781206.2")]
    public void AppendixBNumbers_SerializeAsTheRfcSays(string ieee754, string expected)
    {
        double value = BitConverter.Int64BitsToDouble(BinaryPrimitives.ReadInt64BigEndian(Convert.FromHexString(ieee754)));
        Assert.Equal(expected, Jcs.FormatNumber(value));

        // And through the parser, from the canonical text itself.
        Assert.Equal(expected, Encoding.UTF8.GetString(Jcs.Canonicalize(Encoding.UTF8.GetBytes(expected))));
    }

    [Fact]
    public void Section322Example_IsCanonicalized()
    {
        const string input = """
            {
              "numbers": [333333333.33333329, 1E30, 4.50,
                          2e-3, 0.000000000000000000000000001],
              "string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/",
              "literals": [null, true, false]
            }
            """;
        const string expected = """{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\u000f\nA'B\"\\\\\"/"}""";
        Assert.Equal(expected, Encoding.UTF8.GetString(Jcs.Canonicalize(Encoding.UTF8.GetBytes(input))));
    }

    [Fact]
    public void Section323Example_SortsByUtf16CodeUnits()
    {
        const string input = """
            {
              "\u20ac": "Euro Sign",
              "\r": "Carriage Return",
              "\ufb33": "Hebrew Letter Dalet With Dagesh",
              "1": "One",
              "\ud83d\ude00": "Emoji: Grinning Face",
              "\u0080": "Control",
              "\u00f6": "Latin Small Letter O With Diaeresis"
            }
            """;
        string output = Encoding.UTF8.GetString(Jcs.Canonicalize(Encoding.UTF8.GetBytes(input)));
        string[] order = ["Carriage Return", "One", "Control", "Latin Small Letter O With Diaeresis", "Euro Sign", "Emoji: Grinning Face", "Hebrew Letter Dalet With Dagesh"];
        int last = -1;
        foreach (string value in order)
        {
            int at = output.IndexOf(value, StringComparison.Ordinal);
            Assert.True(at > last, $"{value} is out of order in {output}");
            last = at;
        }

        Assert.StartsWith("{\"\\r\":\"Carriage Return\",\"1\":\"One\",\"\u0080\":\"Control\"", output);
    }

    [Fact]
    public void LoneSurrogate_IsRefused()
    {
        Assert.ThrowsAny<Exception>(() => Jcs.Canonicalize("\"\\ud800\""u8));
    }

    [Fact]
    public void TrailingContent_IsRefused()
    {
        Assert.ThrowsAny<System.Text.Json.JsonException>(() => Jcs.Canonicalize("{} {}"u8));
    }
}
