using System.Buffers;
using System.Text;
using System.Text.Json;
using Candor.Protocols.Canonical;
using Candor.Protocols.Gemini;

namespace Candor.UnitTests.Protocols.Gemini;

public sealed class GeminiEmbeddingsClientCodecTests
{
    private static EmbeddingRequest Embed(string json)
    {
        Assert.True(GeminiEmbeddingsClientCodec.TryDecodeEmbedContent(Encoding.UTF8.GetBytes(json), "m-embed", out var request, out var error), error?.Message);
        return request;
    }

    private static EmbeddingRequest Batch(string json)
    {
        Assert.True(GeminiEmbeddingsClientCodec.TryDecodeBatch(Encoding.UTF8.GetBytes(json), "m-embed", out var request, out var error), error?.Message);
        return request;
    }

    private static RelayError BatchRefused(string json)
    {
        Assert.False(GeminiEmbeddingsClientCodec.TryDecodeBatch(Encoding.UTF8.GetBytes(json), "m-embed", out _, out var error));
        Assert.Equal(400, error.StatusCode);
        return error;
    }

    [Fact]
    public void EmbedContent_TextPartsAreOneInput_WithDimensionalityAndTaskType()
    {
        var r = Embed("""
            {"model":"models/m-embed","content":{"role":"user","parts":[{"text":"first"},{"text":"second"}]},
             "taskType":"RETRIEVAL_DOCUMENT","title":"A title","outputDimensionality":8}
            """);

        Assert.Equal("m-embed", r.Model);
        Assert.Equal(["first\nsecond"], r.Inputs);
        Assert.Equal(8, r.Dimensions);
        Assert.Equal("RETRIEVAL_DOCUMENT", r.TaskType);
    }

    [Fact]
    public void Batch_KeepsTheRequestsOrder()
    {
        var r = Batch("""
            {"requests":[
              {"model":"models/m-embed","content":{"parts":[{"text":"a"}]},"outputDimensionality":4},
              {"model":"m-embed","content":{"parts":[{"text":"b"}]},"outputDimensionality":4},
              {"content":{"parts":[{"text":"c"}]},"outputDimensionality":4}]}
            """);

        Assert.Equal(["a", "b", "c"], r.Inputs);
        Assert.Equal(4, r.Dimensions);
        Assert.Null(r.TaskType);
    }

    [Theory]
    [InlineData("""{"requests":[]}""", "requests")]
    [InlineData("""{}""", "requests")]
    [InlineData("""{"requests":[1]}""", "requests")]
    [InlineData("""{"requests":[{"model":"models/other","content":{"parts":[{"text":"a"}]}}]}""", "model")]
    [InlineData("""{"requests":[{"content":{"parts":[{"inlineData":{"mimeType":"image/png","data":"AA=="}}]}}]}""", "content")]
    [InlineData("""{"requests":[{"content":{"parts":[]}}]}""", "content")]
    [InlineData("""{"requests":[{"content":{"parts":[{"text":"a"}]},"outputDimensionality":0}]}""", "outputDimensionality")]
    [InlineData("""{"requests":[{"content":{"parts":[{"text":"a"}]},"outputDimensionality":4},{"content":{"parts":[{"text":"b"}]},"outputDimensionality":8}]}""", "requests")]
    [InlineData("""{"requests":[{"content":{"parts":[{"text":"a"}]},"taskType":"CLUSTERING"},{"content":{"parts":[{"text":"b"}]}}]}""", "requests")]
    [InlineData("""{"requests":[{"content":{"parts":[{"text":"a"}]},"taskType":5}]}""", "taskType")]
    public void Batch_Invalid_IsA400NamingTheField(string json, string param) =>
        Assert.Equal(param, BatchRefused(json).Param);

    [Theory]
    [InlineData("{")]
    [InlineData("[]")]
    [InlineData("""{"content":"text"}""")]
    public void EmbedContent_NotAnEmbedRequest_IsA400(string json)
    {
        Assert.False(GeminiEmbeddingsClientCodec.TryDecodeEmbedContent(Encoding.UTF8.GetBytes(json), "m", out _, out var error));
        Assert.Equal(400, error.StatusCode);
    }

    [Fact]
    public void Writers_AreGeminisShapes()
    {
        var response = new EmbeddingResponse();
        response.Vectors.Add([0.5f, -1f]);
        response.Vectors.Add([2f]);

        var one = new ArrayBufferWriter<byte>();
        GeminiEmbeddingsClientCodec.WriteEmbedContentResponse(response, one);
        Assert.Equal("""{"embedding":{"values":[0.5,-1]}}""", Encoding.UTF8.GetString(one.WrittenSpan));

        var batch = new ArrayBufferWriter<byte>();
        GeminiEmbeddingsClientCodec.WriteBatchResponse(response, batch);
        Assert.Equal("""{"embeddings":[{"values":[0.5,-1]},{"values":[2]}]}""", Encoding.UTF8.GetString(batch.WrittenSpan));
    }

    [Fact]
    public void UpstreamBatchRequest_CarriesTheTaskType()
    {
        var request = new EmbeddingRequest { TaskType = "SEMANTIC_SIMILARITY" };
        request.Inputs.Add("x");
        var buffer = new ArrayBufferWriter<byte>();
        using (var w = new Utf8JsonWriter(buffer))
        {
            GeminiEmbeddingsCodec.WriteBatchRequest(request, "text-embedding-004", w);
        }

        using var doc = JsonDocument.Parse(buffer.WrittenMemory);
        Assert.Equal("SEMANTIC_SIMILARITY", doc.RootElement.GetProperty("requests")[0].GetProperty("taskType").GetString());
    }

    [Fact]
    public void ModelList_IsGeminisShape_WithNextPageToken()
    {
        var buffer = new ArrayBufferWriter<byte>();
        GeminiModelsEncoder.WriteList(["a", "b"], "b", buffer);
        using var doc = JsonDocument.Parse(buffer.WrittenMemory);
        var first = doc.RootElement.GetProperty("models")[0];
        Assert.Equal("models/a", first.GetProperty("name").GetString());
        Assert.Equal("a", first.GetProperty("displayName").GetString());
        Assert.Contains(first.GetProperty("supportedGenerationMethods").EnumerateArray(), m => m.GetString() == "batchEmbedContents");
        Assert.Equal("b", doc.RootElement.GetProperty("nextPageToken").GetString());
    }
}
