using System.Text;
using Candor.Protocols.Buffers;
using Candor.Protocols.Canonical;
using Candor.Protocols.Codecs;

namespace Candor.UnitTests.Protocols.Codecs;

public sealed class MultipartTests
{
    private static ReadOnlyMemory<byte> Bytes(string text) => Encoding.Latin1.GetBytes(text);

    [Theory]
    [InlineData("multipart/form-data; boundary=abc", "abc")]
    [InlineData("Multipart/Form-Data; charset=utf-8; boundary=\"a b\"", "a b")]
    public void TryBoundary_FormData_ReadsTheBoundary(string contentType, string expected)
    {
        Assert.True(Multipart.TryBoundary(contentType, out string? boundary));
        Assert.Equal(expected, boundary);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("application/json")]
    [InlineData("multipart/form-data")]
    [InlineData("multipart/mixed; boundary=abc")]
    [InlineData("multipart/form-data; boundary=")]
    public void TryBoundary_NotAFormWithABoundary_IsFalse(string? contentType) =>
        Assert.False(Multipart.TryBoundary(contentType, out _));

    [Fact]
    public void TryParse_PreambleFieldsAndFile_SlicesEachPartWhereItLies()
    {
        var body = Bytes("preamble\r\n--b\r\nContent-Disposition: form-data; name=\"model\"\r\n\r\nwhisper\r\n"
            + "--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a \\\"q\\\".wav\"\r\nContent-Type: audio/wav\r\n\r\n\r\n--\0x\r\n--b--\r\nepilogue");
        Assert.True(Multipart.TryParse(body, "b", 10, out var parts, out string? error), error);
        Assert.Equal(2, parts.Count);
        Assert.Equal("model", parts[0].Name);
        Assert.False(parts[0].IsFile);
        Assert.Equal("whisper", Encoding.UTF8.GetString(parts[0].Data.Span));
        Assert.Equal("a \"q\".wav", parts[1].FileName);
        Assert.Equal("audio/wav", parts[1].ContentType);
        Assert.Equal("\r\n--\0x", Encoding.Latin1.GetString(parts[1].Data.Span));
    }

    [Theory]
    [InlineData("--x\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n--x--\r\n")]
    [InlineData("--b\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n")]
    [InlineData("--b\r\nContent-Disposition: attachment; name=\"a\"\r\n\r\n1\r\n--b--\r\n")]
    [InlineData("--b\r\nContent-Type: text/plain\r\n\r\n1\r\n--b--\r\n")]
    [InlineData("--b\r\nContent-Disposition: form-data; name=\"a\"")]
    [InlineData("--bX\r\n")]
    [InlineData("")]
    public void TryParse_Malformed_IsFalseWithAMessage(string text)
    {
        Assert.False(Multipart.TryParse(Bytes(text), "b", 10, out _, out string? error));
        Assert.False(string.IsNullOrEmpty(error));
    }

    [Fact]
    public void TryParse_TooManyParts_IsRefused()
    {
        var text = new StringBuilder();
        for (int i = 0; i < 3; i++)
        {
            text.Append("--b\r\nContent-Disposition: form-data; name=\"f").Append(i).Append("\"\r\n\r\nv\r\n");
        }

        text.Append("--b--\r\n");
        Assert.True(Multipart.TryParse(Bytes(text.ToString()), "b", 3, out _, out _));
        Assert.False(Multipart.TryParse(Bytes(text.ToString()), "b", 2, out _, out string? error));
        Assert.Contains("more than 2", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Write_ThenTryParse_RoundTripsNamesFilesAndBytes()
    {
        byte[] file = [0, 13, 10, 45, 45, 255];
        MultipartPart[] parts =
        [
            new("prompt", null, null, Encoding.UTF8.GetBytes("a \"cat\"\r\nline")),
            new("image", "x\"y.png", "image/png", file),
        ];
        using var buffer = new PooledBufferWriter();
        string boundary = Multipart.NewBoundary();
        Multipart.Write(parts, boundary, buffer);
        Assert.True(Multipart.TryParse(buffer.WrittenMemory, boundary, 10, out var read, out string? error), error);
        Assert.Equal(2, read.Count);
        Assert.Equal("a \"cat\"\r\nline", Encoding.UTF8.GetString(read[0].Data.Span));
        Assert.Equal("x%22y.png", read[1].FileName);
        Assert.Equal(file, read[1].Data.ToArray());
        Assert.Equal("image/png", read[1].ContentType);
    }
}
