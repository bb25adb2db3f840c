using System.Buffers;
using System.Text.Json;

namespace Candor.Protocols.OpenAI;

/// <summary>Writes the OpenAI /v1/models answers for Candor's public models.</summary>
public static class OpenAIModelsEncoder
{
    /// <summary>Writes <c>{"object":"list","data":[model…]}</c>.</summary>
    public static void WriteList(IEnumerable<string> ids, long created, IBufferWriter<byte> output)
    {
        using var w = new Utf8JsonWriter(output, OpenAIWire.WriterOptions);
        w.WriteStartObject();
        w.WriteString("object", "list");
        w.WriteStartArray("data");
        foreach (var id in ids)
        {
            WriteModelObject(w, id, created);
        }

        w.WriteEndArray();
        w.WriteEndObject();
    }

    /// <summary>Writes one model object, as GET /v1/models/{id} returns it.</summary>
    public static void WriteModel(string id, long created, IBufferWriter<byte> output)
    {
        using var w = new Utf8JsonWriter(output, OpenAIWire.WriterOptions);
        WriteModelObject(w, id, created);
    }

    private static void WriteModelObject(Utf8JsonWriter w, string id, long created)
    {
        w.WriteStartObject();
        w.WriteString("id", id);
        w.WriteString("object", "model");
        w.WriteNumber("created", created);
        w.WriteString("owned_by", "candor");
        w.WriteEndObject();
    }
}
