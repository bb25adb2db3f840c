using System.Buffers;
using System.Text.Json;

namespace Candor.Protocols.Gemini;

/// <summary>Writes the Gemini <c>GET /v1beta/models</c> answers for Candor's public models: Model resources
/// <c>{"name":"models/X","baseModelId","version","displayName","description","supportedGenerationMethods"}</c> and the
/// list page <c>{"models":[…],"nextPageToken"}</c>. Token limits are left out: they belong to the upstream a request
/// is routed to, which Candor does not know before routing.</summary>
public static class GeminiModelsEncoder
{
    /// <summary>The methods the Gemini surface serves for every public model (whether the routed upstream can embed
    /// is the operator's configuration).</summary>
    public static IReadOnlyList<string> Methods { get; } = ["generateContent", "streamGenerateContent", "countTokens", "embedContent", "batchEmbedContents"];

    /// <summary>Writes one page and, when models follow it, the token that asks for the next one.</summary>
    public static void WriteList(IReadOnlyList<string> page, string? nextPageToken, IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(page);
        using var w = new Utf8JsonWriter(output);
        w.WriteStartObject();
        w.WriteStartArray("models"u8);
        foreach (var id in page)
        {
            WriteModelObject(w, id);
        }

        w.WriteEndArray();
        if (nextPageToken is not null)
        {
            w.WriteString("nextPageToken"u8, nextPageToken);
        }

        w.WriteEndObject();
    }

    /// <summary>Writes one Model resource, as <c>GET /v1beta/models/{model}</c> returns it.</summary>
    public static void WriteModel(string id, IBufferWriter<byte> output)
    {
        using var w = new Utf8JsonWriter(output);
        WriteModelObject(w, id);
    }

    private static void WriteModelObject(Utf8JsonWriter w, string id)
    {
        w.WriteStartObject();
        w.WriteString("name"u8, "models/" + id);
        w.WriteString("baseModelId"u8, id);
        w.WriteString("version"u8, "candor");
        w.WriteString("displayName"u8, id);
        w.WriteString("description"u8, "A public model of this Candor relay.");
        w.WriteStartArray("supportedGenerationMethods"u8);
        foreach (var method in Methods)
        {
            w.WriteStringValue(method);
        }

        w.WriteEndArray();
        w.WriteEndObject();
    }
}
