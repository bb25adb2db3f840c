using System.Text;
using System.Text.Json;
using Candor.Protocols.Codecs;

namespace Candor.UnitTests.Protocols.Codecs;

/// <summary>Issue 13 item 8: a client body is parsed where it lies (no copy of a 31 MB body while it is decoded), with
/// the verdicts the decoders had before: a reader of the same depth, then a check for content after the value.</summary>
public sealed class JsonBodyTests
{
    [Fact]
    public void Document_ReadsTheCallersMemory_WithoutACopy()
    {
        byte[] body = Encoding.UTF8.GetBytes("""{"a":"xyz"}""");
        Assert.True(JsonBody.TryParse(body, 64, out var document));
        using (document)
        {
            // A document over a copy would still read "xyz".
            body[6] = (byte)'Q';
            Assert.Equal("Qyz", document.RootElement.GetProperty("a").GetString());
        }
    }

    public static TheoryData<string, int> Bodies()
    {
        var data = new TheoryData<string, int>();
        foreach (string body in (string[])["", " ", "{}", " {} \n", "{} x", "{}{}", "[1] 2", "1 2", "1", "\"x\"", "null", "{", "{\"a\":1,}", "// c\n{}",
                     "{\"a\":\"\\u00e9\"}", "[1,2,3]  ", "\"unterminated", "{\"a\":[1,{\"b\":null}]}"])
        {
            data.Add(body, 64);
        }

        foreach (int depth in (int[])[63, 64, 65])
        {
            data.Add(new string('[', depth) + new string(']', depth), 64);
        }

        foreach (int depth in (int[])[255, 256, 257])
        {
            data.Add(new string('[', depth) + new string(']', depth), 256);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Bodies))]
    public void Verdict_IsTheReadersFollowedByTheTrailingContentCheck(string text, int maxDepth)
    {
        byte[] body = Encoding.UTF8.GetBytes(text);
        bool parsed = JsonBody.TryParse(body, maxDepth, out var document);
        document?.Dispose();
        Assert.Equal(ByReader(body, maxDepth), parsed);
    }

    /// <summary>What the decoders did before: ParseValue over a reader (a copy), then a Read that must find nothing.</summary>
    private static bool ByReader(byte[] body, int maxDepth)
    {
        try
        {
            var reader = new Utf8JsonReader(body, new JsonReaderOptions { MaxDepth = maxDepth });
            using var document = JsonDocument.ParseValue(ref reader);
            return !reader.Read();
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
