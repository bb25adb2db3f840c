using System.Text.Json;
using Candor.Protocols.Canonical;

namespace Candor.Protocols.Gemini;

/// <summary>Gemini <c>batchEmbedContents</c>: one EmbedContentRequest per input text, answered by
/// <c>{"embeddings":[{"values":[…]}]}</c> in the same order. The answer reports no usage.</summary>
public static class GeminiEmbeddingsCodec
{
    /// <summary>Writes <c>{"requests":[{"model":"models/X","content":{"parts":[{"text":…}]},"outputDimensionality":N}]}</c>.</summary>
    public static void WriteBatchRequest(EmbeddingRequest request, string upstreamModel, Utf8JsonWriter writer)
    {
        string model = GeminiRequestEncoder.ModelResource(upstreamModel);
        writer.WriteStartObject();
        writer.WriteStartArray("requests");
        foreach (var input in request.Inputs)
        {
            writer.WriteStartObject();
            writer.WriteString("model", model);
            writer.WriteStartObject("content");
            writer.WriteStartArray("parts");
            writer.WriteStartObject();
            writer.WriteString("text", input);
            writer.WriteEndObject();
            writer.WriteEndArray();
            writer.WriteEndObject();
            if (request.Dimensions is int dimensions)
            {
                writer.WriteNumber("outputDimensionality", dimensions);
            }

            if (request.TaskType is { } taskType)
            {
                writer.WriteString("taskType", taskType);
            }

            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    /// <summary>Reads the batch answer.</summary>
    /// <exception cref="JsonException">The body is not a batchEmbedContents answer.</exception>
    public static EmbeddingResponse ReadBatchResponse(ReadOnlySpan<byte> body)
    {
        var reader = new Utf8JsonReader(body);
        using var doc = JsonDocument.ParseValue(ref reader);
        var root = doc.RootElement;
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("embeddings", out var embeddings) || embeddings.ValueKind != JsonValueKind.Array)
        {
            throw new JsonException("A batchEmbedContents answer needs an embeddings array.");
        }

        var response = new EmbeddingResponse();
        foreach (var embedding in embeddings.EnumerateArray())
        {
            if (embedding.ValueKind != JsonValueKind.Object || !embedding.TryGetProperty("values", out var values) || values.ValueKind != JsonValueKind.Array)
            {
                throw new JsonException("An embedding needs a values array.");
            }

            var vector = new float[values.GetArrayLength()];
            int i = 0;
            foreach (var v in values.EnumerateArray())
            {
                vector[i++] = v.ValueKind == JsonValueKind.Number ? v.GetSingle() : throw new JsonException("An embedding value is not a number.");
            }

            response.Vectors.Add(vector);
        }

        return response;
    }
}
