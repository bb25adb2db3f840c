using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Text;
using System.Text.Json;
using Candor.Protocols.Canonical;
using Candor.Protocols.Codecs;

namespace Candor.Protocols.Gemini;

/// <summary>The Gemini surface's embeddings, <c>models/{model}:embedContent</c> and <c>:batchEmbedContents</c>, in the
/// canonical <see cref="EmbeddingRequest"/>: one input per EmbedContentRequest, in order. A content's text parts are
/// embedded as one text (joined by a line break, as Gemini embeds a content whole); any other part is a 400, since
/// Candor counts, redacts and routes text. <c>outputDimensionality</c> becomes <see cref="EmbeddingRequest.Dimensions"/>
/// and <c>taskType</c> <see cref="EmbeddingRequest.TaskType"/>, which must be the same for every request of a batch (one
/// upstream call carries them); <c>title</c> is accepted and not forwarded. The answers carry no usage, as Gemini's do.</summary>
public static class GeminiEmbeddingsClientCodec
{
    /// <summary>Decodes an <c>embedContent</c> body for <paramref name="model"/> (from the path); a 400 on failure.</summary>
    public static bool TryDecodeEmbedContent(ReadOnlyMemory<byte> body, string model, [NotNullWhen(true)] out EmbeddingRequest? request, [NotNullWhen(false)] out RelayError? error) =>
        TryDecode(body, model, batch: false, out request, out error);

    /// <summary>Decodes a <c>batchEmbedContents</c> body for <paramref name="model"/> (from the path); a 400 on failure.</summary>
    public static bool TryDecodeBatch(ReadOnlyMemory<byte> body, string model, [NotNullWhen(true)] out EmbeddingRequest? request, [NotNullWhen(false)] out RelayError? error) =>
        TryDecode(body, model, batch: true, out request, out error);

    private static bool TryDecode(ReadOnlyMemory<byte> body, string model, bool batch, [NotNullWhen(true)] out EmbeddingRequest? request, [NotNullWhen(false)] out RelayError? error)
    {
        request = null;
        if (!InvalidText.IsText(body.Span))
        {
            error = InvalidText.Error;
            return false;
        }

        if (!JsonBody.TryParse(body, 64, out var doc))
        {
            error = RelayError.BadRequest("Invalid JSON payload received.");
            return false;
        }

        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                error = RelayError.BadRequest("Invalid JSON payload received: the body must be a JSON object.");
                return false;
            }

            var r = new EmbeddingRequest { Model = model };
            if (!batch)
            {
                error = ReadOne(root, r, model, "");
            }
            else if (!root.TryGetProperty("requests", out var requests) || requests.ValueKind != JsonValueKind.Array || requests.GetArrayLength() == 0)
            {
                error = RelayError.BadRequest("* BatchEmbedContentsRequest.requests: at least one request is required.", "requests");
            }
            else
            {
                error = null;
                int i = 0;
                foreach (var item in requests.EnumerateArray())
                {
                    string path = $"requests[{i++}].";
                    error = item.ValueKind == JsonValueKind.Object
                        ? ReadOne(item, r, model, path)
                        : RelayError.BadRequest($"* BatchEmbedContentsRequest.{path[..^1]}: must be an EmbedContentRequest object.", "requests");
                    if (error is not null)
                    {
                        break;
                    }
                }
            }

            if (error is not null)
            {
                return false;
            }

            request = r;
            return true;
        }
    }

    /// <summary>Reads one EmbedContentRequest into <paramref name="r"/>: its text as one more input, its dimensionality and
    /// task type, which must agree with those of the requests before it.</summary>
    private static RelayError? ReadOne(JsonElement item, EmbeddingRequest r, string model, string path)
    {
        bool first = r.Inputs.Count == 0;
        if (path.Length > 0 && item.TryGetProperty("model", out var named) && named.ValueKind != JsonValueKind.Null
            && (named.ValueKind != JsonValueKind.String || !SameModel(named.GetString()!, model)))
        {
            return RelayError.BadRequest($"* BatchEmbedContentsRequest.{path}model: the model of each request must be models/{model}, the batch's model.", "model");
        }

        if (!item.TryGetProperty("content", out var content) || content.ValueKind != JsonValueKind.Object
            || !content.TryGetProperty("parts", out var parts) || parts.ValueKind != JsonValueKind.Array || parts.GetArrayLength() == 0)
        {
            return RelayError.BadRequest($"* EmbedContentRequest.{path}content: a content with at least one text part is required.", "content");
        }

        var text = new StringBuilder();
        foreach (var part in parts.EnumerateArray())
        {
            if (part.ValueKind != JsonValueKind.Object || !part.TryGetProperty("text", out var t) || t.ValueKind != JsonValueKind.String)
            {
                return RelayError.BadRequest($"* EmbedContentRequest.{path}content.parts: only text parts can be embedded through this relay.", "content");
            }

            if (text.Length > 0)
            {
                text.Append('\n');
            }

            text.Append(t.GetString());
        }

        int? dimensions = null;
        if (item.TryGetProperty("outputDimensionality", out var dims) && dims.ValueKind != JsonValueKind.Null)
        {
            if (dims.ValueKind != JsonValueKind.Number || !dims.TryGetInt32(out int d) || d < 1)
            {
                return RelayError.BadRequest($"* EmbedContentRequest.{path}outputDimensionality: must be a positive integer.", "outputDimensionality");
            }

            dimensions = d;
        }

        string? taskType = null;
        if (item.TryGetProperty("taskType", out var task) && task.ValueKind != JsonValueKind.Null)
        {
            if (task.ValueKind != JsonValueKind.String)
            {
                return RelayError.BadRequest($"* EmbedContentRequest.{path}taskType: must be a TaskType name.", "taskType");
            }

            taskType = task.GetString();
        }

        if (!first && (dimensions != r.Dimensions || !string.Equals(taskType, r.TaskType, StringComparison.Ordinal)))
        {
            return RelayError.BadRequest(
                $"* BatchEmbedContentsRequest.{path[..^1]}: every request of a batch must ask for the same outputDimensionality and taskType through this relay.", "requests");
        }

        r.Dimensions = dimensions;
        r.TaskType = taskType;
        r.Inputs.Add(text.ToString());
        return null;
    }

    /// <summary>A request's model (<c>models/X</c> or <c>X</c>) names the path's model.</summary>
    private static bool SameModel(string named, string model) =>
        string.Equals(named.StartsWith("models/", StringComparison.Ordinal) ? named["models/".Length..] : named, model, StringComparison.Ordinal);

    /// <summary>Writes the <c>embedContent</c> answer, <c>{"embedding":{"values":[…]}}</c>.</summary>
    public static void WriteEmbedContentResponse(EmbeddingResponse response, IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(response);
        using var w = new Utf8JsonWriter(output);
        w.WriteStartObject();
        w.WritePropertyName("embedding"u8);
        WriteEmbedding(w, response.Vectors.Count > 0 ? response.Vectors[0] : []);
        w.WriteEndObject();
    }

    /// <summary>Writes the <c>batchEmbedContents</c> answer, <c>{"embeddings":[{"values":[…]}…]}</c>, in the requests' order.</summary>
    public static void WriteBatchResponse(EmbeddingResponse response, IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(response);
        using var w = new Utf8JsonWriter(output);
        w.WriteStartObject();
        w.WriteStartArray("embeddings"u8);
        foreach (var vector in response.Vectors)
        {
            WriteEmbedding(w, vector);
        }

        w.WriteEndArray();
        w.WriteEndObject();
    }

    private static void WriteEmbedding(Utf8JsonWriter w, float[] vector)
    {
        w.WriteStartObject();
        w.WriteStartArray("values"u8);
        foreach (float f in vector)
        {
            w.WriteNumberValue(f);
        }

        w.WriteEndArray();
        w.WriteEndObject();
    }
}
