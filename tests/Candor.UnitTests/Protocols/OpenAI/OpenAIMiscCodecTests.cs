using System.Text;
using System.Text.Json;
using Candor.Protocols.Canonical;
using Candor.Protocols.OpenAI;
using static Candor.UnitTests.Protocols.OpenAI.OpenAITestHelpers;

namespace Candor.UnitTests.Protocols.OpenAI;

public sealed class OpenAIMiscCodecTests
{
    [Fact]
    public void Errors_UseOpenAIEnvelope()
    {
        string json = Write(o => OpenAIErrors.Write(RelayError.ModelNotFound("gpt-x"), o));
        AssertJsonEqual("""{"error":{"message":"The model 'gpt-x' does not exist or you do not have access to it.","type":"invalid_request_error","param":"model","code":"model_not_found"}}""", json);
        string bad = Write(o => OpenAIErrors.Write(RelayError.BadRequest("Bad.", "messages"), o));
        AssertJsonEqual("""{"error":{"message":"Bad.","type":"invalid_request_error","param":"messages","code":null}}""", bad);
        string auth = Write(o => OpenAIErrors.Write(RelayError.Unauthorized(), o));
        AssertJsonEqual("""{"error":{"message":"Invalid API key.","type":"invalid_request_error","param":null,"code":"invalid_api_key"}}""", auth);
    }

    [Theory]
    [InlineData(RelayErrorKind.PermissionDenied, "permission_error")]
    [InlineData(RelayErrorKind.RateLimited, "rate_limit_error")]
    [InlineData(RelayErrorKind.Overloaded, "server_error")]
    [InlineData(RelayErrorKind.UpstreamTimeout, "server_error")]
    [InlineData(RelayErrorKind.Internal, "server_error")]
    public void ErrorTypes_FollowTheKind(RelayErrorKind kind, string type) => Assert.Equal(type, OpenAIErrors.TypeOf(kind));

    [Fact]
    public void EmbeddingsRequest_DecodesAndReencodes()
    {
        Assert.True(OpenAIEmbeddingsCodec.TryDecodeRequest("""{"input":["a","b"],"model":"text-embedding-3-small","dimensions":256,"encoding_format":"base64","user":"u"}"""u8, out var r, out _));
        Assert.Equal(["a", "b"], r.Inputs);
        Assert.Equal((256, "base64", "u"), (r.Dimensions!.Value, r.EncodingFormat, r.User));
        string body = WriteJson(w => OpenAIEmbeddingsCodec.WriteRequest(r, "up", w));
        AssertJsonEqual("""{"model":"up","input":["a","b"],"dimensions":256,"encoding_format":"float","user":"u"}""", body);
        Assert.True(OpenAIEmbeddingsCodec.TryDecodeRequest("""{"input":"one","model":"m"}"""u8, out var single, out _));
        Assert.Equal(["one"], single.Inputs);
    }

    [Theory]
    [InlineData("""{"input":[1,2,3],"model":"m"}""", "input")]
    [InlineData("""{"input":[[1,2]],"model":"m"}""", "input")]
    [InlineData("""{"input":[],"model":"m"}""", "input")]
    [InlineData("""{"input":"x"}""", "model")]
    [InlineData("""{"model":"m"}""", "input")]
    [InlineData("""{"input":"x","model":"m","encoding_format":"int8"}""", "encoding_format")]
    [InlineData("""{"input":"x","model":"m","dimensions":0}""", "dimensions")]
    public void EmbeddingsRequest_BadInputIs400(string json, string param)
    {
        Assert.False(OpenAIEmbeddingsCodec.TryDecodeRequest(Encoding.UTF8.GetBytes(json), out _, out var error));
        Assert.Equal(400, error.StatusCode);
        Assert.Equal(param, error.Param);
    }

    [Fact]
    public void EmbeddingsResponse_FloatAndBase64()
    {
        var response = new EmbeddingResponse { Usage = new Usage { InputTokens = 8, TotalTokens = 8 } };
        response.Vectors.Add([0.5f, -1.25f]);
        string floats = Write(o => OpenAIEmbeddingsCodec.WriteResponse(response, "text-embedding-3-small", null, o));
        AssertJsonEqual("""{"object":"list","data":[{"object":"embedding","index":0,"embedding":[0.5,-1.25]}],"model":"text-embedding-3-small","usage":{"prompt_tokens":8,"total_tokens":8}}""", floats);
        string b64 = Write(o => OpenAIEmbeddingsCodec.WriteResponse(response, "m", "base64", o));
        using var doc = JsonDocument.Parse(b64);
        string encoded = doc.RootElement.GetProperty("data")[0].GetProperty("embedding").GetString()!;
        Assert.Equal(Convert.ToBase64String([0, 0, 0, 0x3f, 0, 0, 0xa0, 0xbf]), encoded);

        var back = OpenAIEmbeddingsCodec.ReadResponse(Encoding.UTF8.GetBytes(b64));
        Assert.Equal([0.5f, -1.25f], back.Vectors[0]);
        Assert.Equal(8, back.Usage!.InputTokens);
    }

    [Fact]
    public void EmbeddingsResponse_ReadOrdersByIndex()
    {
        var r = OpenAIEmbeddingsCodec.ReadResponse("""
            {"object":"list","data":[{"object":"embedding","index":1,"embedding":[2.0]},{"object":"embedding","index":0,"embedding":[1.0]}],"model":"m","usage":{"prompt_tokens":2,"total_tokens":2}}
            """u8);
        Assert.Equal([[1f], [2f]], r.Vectors);
        Assert.Equal("m", r.Model);
    }

    [Fact]
    public void Models_ListAndOne()
    {
        string list = Write(o => OpenAIModelsEncoder.WriteList(["a", "b"], 1700000000, o));
        AssertJsonEqual("""{"object":"list","data":[{"id":"a","object":"model","created":1700000000,"owned_by":"candor"},{"id":"b","object":"model","created":1700000000,"owned_by":"candor"}]}""", list);
        string one = Write(o => OpenAIModelsEncoder.WriteModel("a", 1, o));
        AssertJsonEqual("""{"id":"a","object":"model","created":1,"owned_by":"candor"}""", one);
    }
}
