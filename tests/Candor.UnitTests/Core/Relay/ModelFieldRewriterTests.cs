using System.Text;
using Candor.Core.Relay;
using Candor.Protocols.Buffers;

namespace Candor.UnitTests.Core.Relay;

public sealed class ModelFieldRewriterTests
{
    [Theory]
    [InlineData("{\"model\":\"a\",\"x\":1}", "{\"model\":\"gpt-4o\",\"x\":1}")]
    [InlineData("{ \"messages\": [{\"model\":\"inner\"}], \"model\" : \"a\" , \"z\":{\"model\":\"k\"}}", "{ \"messages\": [{\"model\":\"inner\"}], \"model\" : \"gpt-4o\" , \"z\":{\"model\":\"k\"}}")]
    [InlineData("{\"unknown_field\":{\"deep\":[1,2,{\"q\":null}]},\"model\":\"a\\u0041\"}", "{\"unknown_field\":{\"deep\":[1,2,{\"q\":null}]},\"model\":\"gpt-4o\"}")]
    public void TopLevelModel_IsReplacedAndEverythingElseKeptByteForByte(string input, string expected)
    {
        using var output = new PooledBufferWriter();
        Assert.True(ModelFieldRewriter.TryRewrite(Encoding.UTF8.GetBytes(input), "gpt-4o", output));
        Assert.Equal(expected, Encoding.UTF8.GetString(output.WrittenSpan));
    }

    [Theory]
    [InlineData("{\"x\":{\"model\":\"a\"}}")]
    [InlineData("[{\"model\":\"a\"}]")]
    [InlineData("{\"model\":5}")]
    public void NoTopLevelStringModel_ReturnsFalse(string input)
    {
        using var output = new PooledBufferWriter();
        Assert.False(ModelFieldRewriter.TryRewrite(Encoding.UTF8.GetBytes(input), "m", output));
        Assert.Equal(0, output.WrittenCount);
    }

    [Fact]
    public void ModelNeedingEscapes_IsWrittenAsValidJson()
    {
        using var output = new PooledBufferWriter();
        Assert.True(ModelFieldRewriter.TryRewrite("{\"model\":\"a\"}"u8, "we\"ird/\u6A21\u578B", output));
        using var doc = System.Text.Json.JsonDocument.Parse(output.WrittenMemory);
        Assert.Equal("we\"ird/\u6A21\u578B", doc.RootElement.GetProperty("model").GetString());
    }
}
