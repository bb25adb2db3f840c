using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.InteropServices;
using System.Text.Json;
using Candor.Protocols.Canonical;
using Candor.Protocols.Codecs;

namespace Candor.Protocols.OpenAI;

/// <summary>The OpenAI /v1/embeddings wire in both directions: client requests and responses, upstream
/// requests and responses. Token-array inputs are refused: Candor counts, redacts and routes text, and a
/// token array means one tokenizer's ids that no other upstream shares.</summary>
public static class OpenAIEmbeddingsCodec
{
    /// <summary>Decodes a client's embeddings request (a pooled copy of it; see the other overload); a 400 error on failure.</summary>
    public static bool TryDecodeRequest(ReadOnlySpan<byte> body, [NotNullWhen(true)] out EmbeddingRequest? request, [NotNullWhen(false)] out RelayError? error)
    {
        using var copy = JsonBody.Copy(body);
        return TryDecodeRequest(copy.Memory, out request, out error);
    }

    /// <summary>Decodes a client's embeddings request where it lies; a 400 error on failure.</summary>
    public static bool TryDecodeRequest(ReadOnlyMemory<byte> body, [NotNullWhen(true)] out EmbeddingRequest? request, [NotNullWhen(false)] out RelayError? error)
    {
        request = null;
        if (!InvalidText.IsText(body.Span))
        {
            error = InvalidText.Error;
            return false;
        }

        // The reader's default depth (64).
        if (!JsonBody.TryParse(body, 64, out var doc))
        {
            error = RelayError.BadRequest("We could not parse the JSON body of your request. The body must be a valid JSON object.");
            return false;
        }

        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                error = RelayError.BadRequest("The request body must be a JSON object.");
                return false;
            }

            var r = new EmbeddingRequest();
            if (!root.TryGetProperty("model", out var model) || model.ValueKind != JsonValueKind.String || model.GetString()!.Length == 0)
            {
                error = RelayError.BadRequest("you must provide a model parameter", "model");
                return false;
            }

            r.Model = model.GetString()!;
            if (!root.TryGetProperty("input", out var input))
            {
                error = RelayError.BadRequest("Missing required parameter: 'input'.", "input");
                return false;
            }

            error = ReadInput(input, r);
            if (error is not null)
            {
                return false;
            }

            if (root.TryGetProperty("dimensions", out var dims) && dims.ValueKind != JsonValueKind.Null)
            {
                if (dims.ValueKind != JsonValueKind.Number || !dims.TryGetInt32(out int d) || d < 1)
                {
                    error = RelayError.BadRequest("Invalid value for 'dimensions': expected a positive integer.", "dimensions");
                    return false;
                }

                r.Dimensions = d;
            }

            if (root.TryGetProperty("encoding_format", out var fmt) && fmt.ValueKind != JsonValueKind.Null)
            {
                if (fmt.ValueKind != JsonValueKind.String || (!fmt.ValueEquals("float"u8) && !fmt.ValueEquals("base64"u8)))
                {
                    error = RelayError.BadRequest("Invalid value for 'encoding_format': expected 'float' or 'base64'.", "encoding_format");
                    return false;
                }

                r.EncodingFormat = fmt.GetString();
            }

            if (root.TryGetProperty("user", out var user) && user.ValueKind == JsonValueKind.String)
            {
                r.User = user.GetString();
            }

            request = r;
            return true;
        }
    }

    private static RelayError? ReadInput(JsonElement input, EmbeddingRequest r)
    {
        if (input.ValueKind == JsonValueKind.String)
        {
            r.Inputs.Add(input.GetString()!);
            return null;
        }

        if (input.ValueKind != JsonValueKind.Array)
        {
            return RelayError.BadRequest("Invalid type for 'input': expected a string or an array of strings.", "input");
        }

        foreach (var item in input.EnumerateArray())
        {
            if (item.ValueKind == JsonValueKind.String)
            {
                r.Inputs.Add(item.GetString()!);
            }
            else if (item.ValueKind is JsonValueKind.Number or JsonValueKind.Array)
            {
                return RelayError.BadRequest("Token arrays are not supported as 'input' by this relay; send text.", "input");
            }
            else
            {
                return RelayError.BadRequest("Invalid type for 'input': expected a string or an array of strings.", "input");
            }
        }

        if (r.Inputs.Count == 0)
        {
            return RelayError.BadRequest("Invalid 'input': empty array. Expected an array with minimum length 1.", "input");
        }

        return null;
    }

    /// <summary>Writes the client response: <c>{"object":"list","data":[…],"model","usage"}</c>, with each
    /// vector as a float array or, when <paramref name="encodingFormat"/> is base64, as base64 of
    /// little-endian float32 values.</summary>
    public static void WriteResponse(EmbeddingResponse response, string model, string? encodingFormat, IBufferWriter<byte> output)
    {
        bool base64 = string.Equals(encodingFormat, "base64", StringComparison.Ordinal);
        using var w = new Utf8JsonWriter(output, OpenAIWire.WriterOptions);
        w.WriteStartObject();
        w.WriteString("object", "list");
        w.WriteStartArray("data");
        for (int i = 0; i < response.Vectors.Count; i++)
        {
            var vector = response.Vectors[i];
            w.WriteStartObject();
            w.WriteString("object", "embedding");
            w.WriteNumber("index", i);
            if (base64)
            {
                w.WriteBase64String("embedding", AsLittleEndianBytes(vector));
            }
            else
            {
                w.WriteStartArray("embedding");
                foreach (float f in vector)
                {
                    w.WriteNumberValue(f);
                }

                w.WriteEndArray();
            }

            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteString("model", model);
        w.WriteStartObject("usage");
        int prompt = response.Usage?.InputTokens ?? 0;
        w.WriteNumber("prompt_tokens", prompt);
        w.WriteNumber("total_tokens", response.Usage?.TotalTokens ?? prompt);
        w.WriteEndObject();
        w.WriteEndObject();
    }

    private static ReadOnlySpan<byte> AsLittleEndianBytes(float[] vector)
    {
        if (BitConverter.IsLittleEndian)
        {
            return MemoryMarshal.AsBytes(vector.AsSpan());
        }

        var bytes = new byte[vector.Length * 4];
        for (int i = 0; i < vector.Length; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * 4), vector[i]);
        }

        return bytes;
    }

    /// <summary>Writes an upstream embeddings request. Vectors are always asked for as floats so that
    /// Candor can read them whatever the client wanted.</summary>
    public static void WriteRequest(EmbeddingRequest request, string upstreamModel, Utf8JsonWriter writer)
    {
        var w = writer;
        w.WriteStartObject();
        w.WriteString("model", upstreamModel);
        w.WriteStartArray("input");
        foreach (var input in request.Inputs)
        {
            w.WriteStringValue(input);
        }

        w.WriteEndArray();
        if (request.Dimensions is { } dims)
        {
            w.WriteNumber("dimensions", dims);
        }

        w.WriteString("encoding_format", "float");
        if (request.User is { } user)
        {
            w.WriteString("user", user);
        }

        w.WriteEndObject();
        w.Flush();
    }

    /// <summary>Reads an upstream embeddings response (float arrays or base64), ordering vectors by index.</summary>
    /// <exception cref="JsonException">The body is not an embeddings list.</exception>
    public static EmbeddingResponse ReadResponse(ReadOnlySpan<byte> body)
    {
        var reader = new Utf8JsonReader(body);
        using var doc = JsonDocument.ParseValue(ref reader);
        var root = doc.RootElement;
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("data", out var data) || data.ValueKind != JsonValueKind.Array)
        {
            throw new JsonException("The embeddings response has no data array.");
        }

        var items = new List<(int Index, float[] Vector)>(data.GetArrayLength());
        int position = 0;
        foreach (var item in data.EnumerateArray())
        {
            int index = OpenAIWire.Int(item, "index") ?? position;
            if (!item.TryGetProperty("embedding", out var emb))
            {
                throw new JsonException("An embeddings item has no embedding.");
            }

            items.Add((index, ReadVector(emb)));
            position++;
        }

        items.Sort(static (a, b) => a.Index.CompareTo(b.Index));
        var response = new EmbeddingResponse { Model = OpenAIWire.Str(root, "model") };
        foreach (var (_, vector) in items)
        {
            response.Vectors.Add(vector);
        }

        if (root.TryGetProperty("usage", out var usage) && usage.ValueKind == JsonValueKind.Object)
        {
            response.Usage = new Usage
            {
                InputTokens = OpenAIWire.Int(usage, "prompt_tokens"),
                TotalTokens = OpenAIWire.Int(usage, "total_tokens"),
            };
        }

        return response;
    }

    private static float[] ReadVector(JsonElement emb)
    {
        if (emb.ValueKind == JsonValueKind.String)
        {
            byte[] bytes = emb.GetBytesFromBase64();
            if (bytes.Length % 4 != 0)
            {
                throw new JsonException("A base64 embedding is not a whole number of float32 values.");
            }

            var vector = new float[bytes.Length / 4];
            for (int i = 0; i < vector.Length; i++)
            {
                vector[i] = BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(i * 4));
            }

            return vector;
        }

        if (emb.ValueKind != JsonValueKind.Array)
        {
            throw new JsonException("An embedding is neither an array nor base64.");
        }

        var result = new float[emb.GetArrayLength()];
        int j = 0;
        foreach (var x in emb.EnumerateArray())
        {
            result[j++] = x.GetSingle();
        }

        return result;
    }
}
