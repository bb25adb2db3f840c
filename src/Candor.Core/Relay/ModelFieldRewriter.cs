using System.Buffers;
using System.Text.Json;
using Candor.Protocols.Buffers;

namespace Candor.Core.Relay;

/// <summary>Rewrites the top-level "model" value of a JSON body without parsing the rest into objects:
/// the bytes before and after the value are copied as they are.</summary>
internal static class ModelFieldRewriter
{
    /// <summary>Writes <paramref name="body"/> with its top-level model replaced into <paramref name="output"/>.
    /// Returns false when the body has no top-level string "model" (nothing is written then).</summary>
    public static bool TryRewrite(ReadOnlySpan<byte> body, string model, PooledBufferWriter output)
    {
        var reader = new Utf8JsonReader(body, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip });
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            return false;
        }

        while (reader.Read())
        {
            if (reader.TokenType == JsonTokenType.EndObject)
            {
                return false;
            }

            // At depth 1 every token here is a property name.
            bool isModel = reader.ValueTextEquals("model"u8);
            if (!reader.Read())
            {
                return false;
            }

            if (isModel && reader.TokenType == JsonTokenType.String)
            {
                int start = (int)reader.TokenStartIndex;
                int end = (int)reader.BytesConsumed;
                output.Write(body[..start]);
                using (var w = new Utf8JsonWriter(output))
                {
                    w.WriteStringValue(model);
                }

                output.Write(body[end..]);
                return true;
            }

            if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray)
            {
                reader.Skip();
            }
        }

        return false;
    }
}
