using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Candor.Protocols.Canonical;
using Candor.Protocols.Codecs;

namespace Candor.Protocols.OpenAI;

/// <summary>The OpenAI-compatible media endpoints (<see cref="MediaKind"/>) in both directions: a client request decoded
/// into a <see cref="MediaRequest"/> (JSON bodies as a node tree, forms as their parts), the body re-encoded for the
/// upstream with the model replaced and the redacted texts written back, and the quantities metering needs read from the
/// upstream's answer. Fields Candor does not know pass through unchanged.</summary>
public static class OpenAIMediaCodec
{
    /// <summary>The public model a moderation without <c>model</c> is routed to, as OpenAI defaults it.</summary>
    public const string DefaultModerationModel = "omni-moderation-latest";

    /// <summary>Most parts a form may have (images/edits takes up to 16 images, plus its fields).</summary>
    public const int MaxParts = 64;

    /// <summary>The upstream path under an OpenAI-compatible base URL.</summary>
    public static string UpstreamPath(MediaKind kind) => kind switch
    {
        MediaKind.ImageGeneration => "images/generations",
        MediaKind.ImageEdit => "images/edits",
        MediaKind.Speech => "audio/speech",
        MediaKind.Transcription => "audio/transcriptions",
        MediaKind.Rerank => "rerank",
        _ => "moderations",
    };

    /// <summary>Whether the endpoint takes a form rather than JSON.</summary>
    public static bool IsMultipart(MediaKind kind) => kind is MediaKind.ImageEdit or MediaKind.Transcription;

    /// <summary>Decodes a JSON request (images/generations, audio/speech, rerank, moderations); a 400 on failure.</summary>
    public static bool TryDecodeJson(MediaKind kind, ReadOnlyMemory<byte> body, [NotNullWhen(true)] out MediaRequest? request, [NotNullWhen(false)] out RelayError? error)
    {
        request = null;
        if (!InvalidText.IsText(body.Span))
        {
            error = InvalidText.Error;
            return false;
        }

        JsonObject? root;
        try
        {
            root = JsonNode.Parse(body.Span, documentOptions: new JsonDocumentOptions { MaxDepth = 64 }) as JsonObject;
        }
        catch (JsonException)
        {
            error = RelayError.BadRequest("We could not parse the JSON body of your request. The body must be a valid JSON object.");
            return false;
        }

        if (root is null)
        {
            error = RelayError.BadRequest("The request body must be a JSON object.");
            return false;
        }

        string? model = String(root, "model");
        if (model is null && kind == MediaKind.Moderation && !root.ContainsKey("model"))
        {
            // OpenAI's moderations default to their current model; Candor routes the same name, when it is configured.
            model = DefaultModerationModel;
        }

        if (string.IsNullOrEmpty(model))
        {
            error = RelayError.BadRequest("you must provide a model parameter", "model");
            return false;
        }

        var r = new MediaRequest(kind, model, root, null);
        error = kind switch
        {
            MediaKind.ImageGeneration => Image(r, root),
            MediaKind.Speech => Speech(r, root),
            MediaKind.Rerank => Rerank(r, root),
            _ => Moderation(r, root),
        };
        if (error is not null)
        {
            return false;
        }

        request = r;
        return true;
    }

    /// <summary>Decodes a form request (images/edits, audio/transcriptions) with the boundary of its
    /// <paramref name="contentType"/>; a 400 on failure (not a form, a malformed form, a missing field or file).</summary>
    public static bool TryDecodeForm(MediaKind kind, string? contentType, ReadOnlyMemory<byte> body, [NotNullWhen(true)] out MediaRequest? request,
        [NotNullWhen(false)] out RelayError? error)
    {
        request = null;
        if (!Multipart.TryBoundary(contentType, out string? boundary))
        {
            error = RelayError.BadRequest("This endpoint takes multipart/form-data with a boundary (Content-Type: multipart/form-data; boundary=…).");
            return false;
        }

        if (!Multipart.TryParse(body, boundary, MaxParts, out var parts, out string? malformed))
        {
            error = RelayError.BadRequest(malformed);
            return false;
        }

        string? model = null;
        foreach (var part in parts)
        {
            if (!part.IsFile && !InvalidText.IsText(part.Data.Span))
            {
                error = InvalidText.Error;
                return false;
            }

            if (part.Name == "model" && !part.IsFile)
            {
                model = Encoding.UTF8.GetString(part.Data.Span).Trim();
            }
        }

        if (string.IsNullOrEmpty(model))
        {
            error = RelayError.BadRequest("you must provide a model parameter", "model");
            return false;
        }

        var r = new MediaRequest(kind, model, null, parts);
        string fileField = kind == MediaKind.ImageEdit ? "image" : "file";
        var files = parts.Where(p => p.IsFile && (p.Name == fileField || p.Name == fileField + "[]")).ToList();
        if (files.Count == 0)
        {
            error = RelayError.BadRequest($"Missing required parameter: '{fileField}' (a file part).", fileField);
            return false;
        }

        for (int i = 0; i < parts.Count; i++)
        {
            var part = parts[i];
            if (part.IsFile)
            {
                continue;
            }

            string text = Encoding.UTF8.GetString(part.Data.Span);
            switch (part.Name)
            {
                case "prompt":
                    r.AddText(text, value => part.Data = Encoding.UTF8.GetBytes(value));
                    break;
                case "n" when !TryCount(text, 1, 10, out int n):
                    error = RelayError.BadRequest("'n' must be an integer from 1 to 10.", "n");
                    return false;
                case "n":
                    r.Images = int.Parse(text, CultureInfo.InvariantCulture);
                    break;
                case "size":
                    r.Size = text.Trim();
                    break;
                case "quality":
                    r.Quality = text.Trim();
                    break;
            }
        }

        if (kind == MediaKind.ImageEdit && r.Texts.Count == 0)
        {
            error = RelayError.BadRequest("Missing required parameter: 'prompt'.", "prompt");
            return false;
        }

        if (kind == MediaKind.Transcription)
        {
            r.AudioBytes = files[0].Data.Length;
            r.MeasuredMilliseconds = WavDuration.Milliseconds(files[0].Data.Span);
        }

        request = r;
        error = null;
        return true;
    }

    /// <summary>Writes the JSON body for the upstream: the client's, with <paramref name="upstreamModel"/> and the
    /// (redacted) texts.</summary>
    public static void WriteJson(MediaRequest request, string upstreamModel, Utf8JsonWriter writer)
    {
        ArgumentNullException.ThrowIfNull(request);
        var root = request.Json ?? throw new InvalidOperationException("not a JSON request");
        request.ApplyTexts();
        root["model"] = upstreamModel;
        root.WriteTo(writer);
    }

    /// <summary>Writes the form for the upstream: the client's parts in order, with <paramref name="upstreamModel"/> and
    /// the (redacted) texts; returns nothing, the caller names <paramref name="boundary"/> in the content type.</summary>
    public static void WriteForm(MediaRequest request, string upstreamModel, string boundary, IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(request);
        var parts = request.Parts ?? throw new InvalidOperationException("not a form request");
        request.ApplyTexts();
        var model = Encoding.UTF8.GetBytes(upstreamModel);
        Multipart.Write(parts.Select(p => p.Name == "model" && !p.IsFile ? new MultipartPart("model", null, p.ContentType, model) : p), boundary, output);
    }

    /// <summary>What metering reads from an upstream's whole answer: images returned, the audio's duration, the search
    /// units billed, the model named. Figures the answer does not carry are null. A JSON answer that does not parse
    /// throws <see cref="JsonException"/> (the caller's failed attempt).</summary>
    public static MediaAnswer ReadAnswer(MediaKind kind, ReadOnlySpan<byte> body, bool json)
    {
        if (!json)
        {
            // Transcription text formats (text, srt, vtt) carry no figures.
            return default;
        }

        var reader = new Utf8JsonReader(body);
        using var doc = JsonDocument.ParseValue(ref reader);
        var root = doc.RootElement;
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new JsonException("not an object");
        }

        string? model = root.TryGetProperty("model", out var m) && m.ValueKind == JsonValueKind.String ? m.GetString() : null;
        switch (kind)
        {
            case MediaKind.ImageGeneration or MediaKind.ImageEdit:
                int images = root.TryGetProperty("data", out var data) && data.ValueKind == JsonValueKind.Array ? data.GetArrayLength()
                    : throw new JsonException("no data array");
                return new MediaAnswer(images, null, null, model);
            case MediaKind.Transcription:
                // verbose_json has duration (seconds); whisper's json has usage {type: duration, seconds}.
                double? seconds = root.TryGetProperty("duration", out var d) && d.ValueKind == JsonValueKind.Number ? d.GetDouble()
                    : root.TryGetProperty("usage", out var u) && u.ValueKind == JsonValueKind.Object && u.TryGetProperty("seconds", out var s)
                        && s.ValueKind == JsonValueKind.Number ? s.GetDouble()
                    : null;
                return new MediaAnswer(null, seconds is >= 0 and < 1e9 ? (long)Math.Ceiling(seconds.Value * 1000) : null, null, model);
            case MediaKind.Rerank:
                int? units = root.TryGetProperty("meta", out var meta) && meta.ValueKind == JsonValueKind.Object
                    && meta.TryGetProperty("billed_units", out var billed) && billed.ValueKind == JsonValueKind.Object
                    && billed.TryGetProperty("search_units", out var su) && su.TryGetInt32(out int n) && n >= 0 ? n : null;
                return new MediaAnswer(null, null, units, model);
            default:
                return new MediaAnswer(null, null, null, model);
        }
    }

    private static RelayError? Image(MediaRequest r, JsonObject root)
    {
        if (!AddText(r, root, "prompt", required: true))
        {
            return RelayError.BadRequest("Missing required parameter: 'prompt'.", "prompt");
        }

        if (root["n"] is { } n)
        {
            if (n.GetValueKind() != JsonValueKind.Number || !n.AsValue().TryGetValue(out int count) || count is < 1 or > 10)
            {
                return RelayError.BadRequest("'n' must be an integer from 1 to 10.", "n");
            }

            r.Images = count;
        }

        r.Size = String(root, "size");
        r.Quality = String(root, "quality");
        return null;
    }

    private static RelayError? Speech(MediaRequest r, JsonObject root) =>
        AddText(r, root, "input", required: true) ? null : RelayError.BadRequest("Missing required parameter: 'input'.", "input");

    private static RelayError? Rerank(MediaRequest r, JsonObject root)
    {
        if (!AddText(r, root, "query", required: true))
        {
            return RelayError.BadRequest("Missing required parameter: 'query'.", "query");
        }

        if (root["documents"] is not JsonArray documents || documents.Count == 0)
        {
            return RelayError.BadRequest("'documents' must be a non-empty array.", "documents");
        }

        for (int i = 0; i < documents.Count; i++)
        {
            // Cohere and Jina take strings, or objects with a text field (Cohere v1, Jina's multimodal form).
            int index = i;
            switch (documents[i])
            {
                case JsonValue v when v.GetValueKind() == JsonValueKind.String:
                    r.AddText(v.GetValue<string>(), value => documents[index] = value);
                    break;
                case JsonObject o when o["text"] is JsonValue t && t.GetValueKind() == JsonValueKind.String:
                    r.AddText(t.GetValue<string>(), value => o["text"] = value);
                    break;
                case JsonObject:
                    // An image document (Jina's {"image": …}): not text, not scanned.
                    break;
                default:
                    return RelayError.BadRequest("Each document must be a string or an object with a 'text' string.", "documents");
            }
        }

        r.Documents = documents.Count;
        return null;
    }

    private static RelayError? Moderation(MediaRequest r, JsonObject root)
    {
        switch (root["input"])
        {
            case JsonValue v when v.GetValueKind() == JsonValueKind.String:
                r.AddText(v.GetValue<string>(), value => root["input"] = value);
                return null;
            case JsonArray items when items.Count > 0:
                for (int i = 0; i < items.Count; i++)
                {
                    int index = i;
                    switch (items[i])
                    {
                        case JsonValue s when s.GetValueKind() == JsonValueKind.String:
                            r.AddText(s.GetValue<string>(), value => items[index] = value);
                            break;
                        case JsonObject o when String(o, "type") == "text" && o["text"] is JsonValue t && t.GetValueKind() == JsonValueKind.String:
                            r.AddText(t.GetValue<string>(), value => o["text"] = value);
                            break;
                        case JsonObject o when String(o, "type") == "image_url":
                            // An image input is not text: not scanned.
                            break;
                        default:
                            return RelayError.BadRequest("Each input must be a string, or a {type: text} or {type: image_url} object.", "input");
                    }
                }

                return null;
            default:
                return RelayError.BadRequest("Missing required parameter: 'input' (a string or a non-empty array).", "input");
        }
    }

    private static bool AddText(MediaRequest r, JsonObject root, string name, bool required)
    {
        if (root[name] is JsonValue v && v.GetValueKind() == JsonValueKind.String)
        {
            r.AddText(v.GetValue<string>(), value => root[name] = value);
            return true;
        }

        return !required;
    }

    private static string? String(JsonObject o, string name) =>
        o[name] is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : null;

    private static bool TryCount(string text, int min, int max, out int n) =>
        int.TryParse(text.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out n) && n >= min && n <= max;
}

/// <summary>The figures of a media answer metering uses (null when the answer has none): images returned, the audio's
/// duration in milliseconds, search units billed, and the model the upstream named.</summary>
public readonly record struct MediaAnswer(int? Images, long? Milliseconds, int? SearchUnits, string? Model);
