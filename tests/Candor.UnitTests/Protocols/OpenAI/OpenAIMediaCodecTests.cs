using System.Text;
using System.Text.Json;
using Candor.Protocols.Buffers;
using Candor.Protocols.Canonical;
using Candor.Protocols.OpenAI;

namespace Candor.UnitTests.Protocols.OpenAI;

public sealed class OpenAIMediaCodecTests
{
    private static MediaRequest Json(MediaKind kind, string body)
    {
        Assert.True(OpenAIMediaCodec.TryDecodeJson(kind, Encoding.UTF8.GetBytes(body), out var request, out var error), error?.Message);
        return request;
    }

    private static string Write(MediaRequest request, string model)
    {
        using var buffer = new PooledBufferWriter();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            OpenAIMediaCodec.WriteJson(request, model, writer);
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    [Fact]
    public void Rerank_TextsInOrder_WrittenBackWithTheUpstreamModel_OtherFieldsKept()
    {
        var request = Json(MediaKind.Rerank, """{"model":"r","query":"q1","documents":["d1",{"text":"d2","id":7},{"image":"http://x/i.png"}],"top_n":2,"custom":{"a":1}}""");
        Assert.Equal(["q1", "d1", "d2"], request.Texts);
        Assert.Equal(3, request.Documents);
        request.Texts[1] = "D1";
        request.Texts[2] = "D2";
        using var doc = JsonDocument.Parse(Write(request, "upstream-r"));
        var root = doc.RootElement;
        Assert.Equal("upstream-r", root.GetProperty("model").GetString());
        Assert.Equal("q1", root.GetProperty("query").GetString());
        Assert.Equal("D1", root.GetProperty("documents")[0].GetString());
        Assert.Equal("D2", root.GetProperty("documents")[1].GetProperty("text").GetString());
        Assert.Equal(7, root.GetProperty("documents")[1].GetProperty("id").GetInt32());
        Assert.Equal("http://x/i.png", root.GetProperty("documents")[2].GetProperty("image").GetString());
        Assert.Equal(1, root.GetProperty("custom").GetProperty("a").GetInt32());
    }

    [Fact]
    public void Moderation_StringsAndTextParts_AreTexts_ImagePartsAreNot()
    {
        var request = Json(MediaKind.Moderation, """{"model":"m","input":["a",{"type":"image_url","image_url":{"url":"data:x"}},{"type":"text","text":"b"}]}""");
        Assert.Equal(["a", "b"], request.Texts);
        Assert.Single(Json(MediaKind.Moderation, """{"model":"m","input":"only"}""").Texts);
        Assert.Equal("omni-moderation-latest", Json(MediaKind.Moderation, """{"input":"x"}""").Model);
    }

    [Fact]
    public void Images_CountSizeAndQuality_AreRead()
    {
        var request = Json(MediaKind.ImageGeneration, """{"model":"i","prompt":"p","n":3,"size":"1024x1792","quality":"hd"}""");
        Assert.Equal((3, "1024x1792", "hd"), (request.Images, request.Size, request.Quality));
        Assert.Equal(["p"], request.Texts);
    }

    [Fact]
    public void Speech_CountsUnicodeScalars()
    {
        var request = Json(MediaKind.Speech, """{"model":"t","input":"héllo 🙂","voice":"alloy"}""");
        Assert.Equal(7, request.Characters);
    }

    [Theory]
    [InlineData(MediaKind.ImageGeneration, """{"model":"i"}""", "prompt")]
    [InlineData(MediaKind.ImageGeneration, """{"model":"i","prompt":"p","n":0}""", "n")]
    [InlineData(MediaKind.ImageGeneration, """{"model":"i","prompt":"p","n":"2"}""", "n")]
    [InlineData(MediaKind.Speech, """{"model":"t","input":5}""", "input")]
    [InlineData(MediaKind.Rerank, """{"model":"r","query":"q","documents":[]}""", "documents")]
    [InlineData(MediaKind.Rerank, """{"model":"r","query":"q","documents":[1]}""", "documents")]
    [InlineData(MediaKind.Moderation, """{"model":null,"input":"x"}""", "model")]
    [InlineData(MediaKind.Moderation, """{"model":"m","input":[{"type":"audio"}]}""", "input")]
    public void InvalidRequest_Is400NamingTheParameter(MediaKind kind, string body, string param)
    {
        Assert.False(OpenAIMediaCodec.TryDecodeJson(kind, Encoding.UTF8.GetBytes(body), out _, out var error));
        Assert.Equal(400, error.StatusCode);
        Assert.Equal(param, error.Param);
    }

    [Fact]
    public void Form_Transcription_MeasuresAWavAndReplacesTheModel()
    {
        byte[] wav = new byte[44 + 16000];
        "RIFF"u8.CopyTo(wav);
        "WAVEfmt "u8.CopyTo(wav.AsSpan(8));
        BitConverter.TryWriteBytes(wav.AsSpan(16), 16);
        BitConverter.TryWriteBytes(wav.AsSpan(28), 32000);
        "data"u8.CopyTo(wav.AsSpan(36));
        BitConverter.TryWriteBytes(wav.AsSpan(40), 16000);
        var head = Encoding.ASCII.GetBytes("--q\r\nContent-Disposition: form-data; name=\"model\"\r\n\r\nw\r\n--q\r\nContent-Disposition: form-data; name=\"prompt\"\r\n\r\nhi\r\n"
            + "--q\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.wav\"\r\n\r\n");
        byte[] body = [.. head, .. wav, .. "\r\n--q--\r\n"u8];
        Assert.True(OpenAIMediaCodec.TryDecodeForm(MediaKind.Transcription, "multipart/form-data; boundary=q", body, out var request, out var error), error?.Message);
        Assert.Equal(500, request.MeasuredMilliseconds);
        Assert.Equal(wav.Length, request.AudioBytes);
        Assert.Equal(["hi"], request.Texts);
        request.Texts[0] = "HI";
        using var buffer = new PooledBufferWriter();
        OpenAIMediaCodec.WriteForm(request, "whisper-1", "zz", buffer);
        string written = Encoding.Latin1.GetString(buffer.WrittenSpan);
        Assert.Contains("name=\"model\"\r\n\r\nwhisper-1\r\n", written, StringComparison.Ordinal);
        Assert.Contains("name=\"prompt\"\r\n\r\nHI\r\n", written, StringComparison.Ordinal);
        Assert.True(buffer.WrittenSpan.IndexOf(wav) > 0);
    }

    [Theory]
    [InlineData(MediaKind.Transcription, "--q\r\nContent-Disposition: form-data; name=\"model\"\r\n\r\nw\r\n--q--\r\n", "file")]
    [InlineData(MediaKind.ImageEdit, "--q\r\nContent-Disposition: form-data; name=\"model\"\r\n\r\nw\r\n--q\r\nContent-Disposition: form-data; name=\"image\"; filename=\"a.png\"\r\n\r\nx\r\n--q--\r\n", "prompt")]
    [InlineData(MediaKind.ImageEdit, "--q\r\nContent-Disposition: form-data; name=\"prompt\"\r\n\r\np\r\n--q--\r\n", "model")]
    public void Form_MissingField_Is400NamingIt(MediaKind kind, string body, string param)
    {
        Assert.False(OpenAIMediaCodec.TryDecodeForm(kind, "multipart/form-data; boundary=q", Encoding.ASCII.GetBytes(body), out _, out var error));
        Assert.Equal(param, error.Param);
    }

    [Fact]
    public void ReadAnswer_ReadsTheFiguresMeteringUses()
    {
        Assert.Equal(2, OpenAIMediaCodec.ReadAnswer(MediaKind.ImageGeneration, """{"created":1,"data":[{},{}]}"""u8, json: true).Images);
        Assert.Equal(3520, OpenAIMediaCodec.ReadAnswer(MediaKind.Transcription, """{"text":"x","duration":3.52}"""u8, json: true).Milliseconds);
        Assert.Equal(4000, OpenAIMediaCodec.ReadAnswer(MediaKind.Transcription, """{"text":"x","usage":{"type":"duration","seconds":4}}"""u8, json: true).Milliseconds);
        Assert.Null(OpenAIMediaCodec.ReadAnswer(MediaKind.Transcription, "plain text"u8, json: false).Milliseconds);
        Assert.Equal(2, OpenAIMediaCodec.ReadAnswer(MediaKind.Rerank, """{"results":[],"meta":{"billed_units":{"search_units":2}}}"""u8, json: true).SearchUnits);
        Assert.ThrowsAny<JsonException>(() => OpenAIMediaCodec.ReadAnswer(MediaKind.ImageGeneration, """{"created":1}"""u8, json: true));
    }
}
