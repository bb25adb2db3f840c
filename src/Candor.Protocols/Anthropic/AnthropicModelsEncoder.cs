using System.Buffers;
using System.Globalization;
using System.Text.Json;

namespace Candor.Protocols.Anthropic;

/// <summary>Writes the Anthropic <c>GET /v1/models</c> answers for Candor's public models: model objects
/// <c>{"type":"model","id","display_name","created_at"}</c> (the display name is the id: Candor's names are the
/// operator's), and the list page <c>{"data","has_more","first_id","last_id"}</c>.</summary>
public static class AnthropicModelsEncoder
{
    /// <summary>Writes one page: <paramref name="page"/> (already cut by the caller's before_id/after_id/limit) and
    /// whether models follow it.</summary>
    public static void WriteList(IReadOnlyList<string> page, bool hasMore, DateTimeOffset created, IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(page);
        using var w = new Utf8JsonWriter(output, AnthropicWire.WriterOptions);
        w.WriteStartObject();
        w.WriteStartArray("data"u8);
        foreach (var id in page)
        {
            WriteModelObject(w, id, created);
        }

        w.WriteEndArray();
        w.WriteBoolean("has_more"u8, hasMore);
        WriteId(w, "first_id"u8, page.Count > 0 ? page[0] : null);
        WriteId(w, "last_id"u8, page.Count > 0 ? page[^1] : null);
        w.WriteEndObject();
    }

    /// <summary>Writes one model object, as <c>GET /v1/models/{model_id}</c> returns it.</summary>
    public static void WriteModel(string id, DateTimeOffset created, IBufferWriter<byte> output)
    {
        using var w = new Utf8JsonWriter(output, AnthropicWire.WriterOptions);
        WriteModelObject(w, id, created);
    }

    private static void WriteId(Utf8JsonWriter w, ReadOnlySpan<byte> name, string? id)
    {
        if (id is null)
        {
            w.WriteNull(name);
        }
        else
        {
            w.WriteString(name, id);
        }
    }

    private static void WriteModelObject(Utf8JsonWriter w, string id, DateTimeOffset created)
    {
        w.WriteStartObject();
        w.WriteString("type"u8, "model"u8);
        w.WriteString("id"u8, id);
        w.WriteString("display_name"u8, id);
        w.WriteString("created_at"u8, created.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture));
        w.WriteEndObject();
    }
}
