using System.Text.Json.Nodes;

namespace Candor.Protocols.Canonical;

/// <summary>A request to one of the <see cref="MediaKind"/> endpoints, decoded only as far as Candor needs it: the model,
/// the texts admission scans (<see cref="Texts"/>, written back into the body when forwarded), and the quantities metering
/// prices. The rest of the client's body is kept as it came: a JSON node tree, or the multipart parts (slices of the
/// client's pooled body, which outlives the request; nothing is copied or stored).</summary>
public sealed class MediaRequest
{
    private readonly List<Action<string>> _writeBack = [];

    internal MediaRequest(MediaKind kind, string model, JsonObject? json, List<MultipartPart>? parts)
    {
        Kind = kind;
        Model = model;
        Json = json;
        Parts = parts;
    }

    /// <summary>The endpoint.</summary>
    public MediaKind Kind { get; }

    /// <summary>The public model the client named.</summary>
    public string Model { get; }

    /// <summary>The JSON body (JSON endpoints); null for multipart ones.</summary>
    public JsonObject? Json { get; }

    /// <summary>The form's parts in order (multipart endpoints); null for JSON ones.</summary>
    public IReadOnlyList<MultipartPart>? Parts { get; }

    /// <summary>Every text of the request that admission redacts (prompt, input, query, documents), in body order; a
    /// redaction stage replaces entries in place and the encoder writes them back. Audio and image bytes are not texts
    /// and are never scanned.</summary>
    public List<string> Texts { get; } = [];

    /// <summary>Images asked for (<c>n</c>, default 1): image endpoints.</summary>
    public int Images { get; internal set; } = 1;

    /// <summary>The requested image size (<c>1024x1024</c>…), as sent; null when absent.</summary>
    public string? Size { get; internal set; }

    /// <summary>The requested image quality (<c>standard</c>, <c>hd</c>, <c>low</c>…), as sent; null when absent.</summary>
    public string? Quality { get; internal set; }

    /// <summary>Transcription: bytes of the uploaded audio file.</summary>
    public long AudioBytes { get; internal set; }

    /// <summary>Transcription: the upload's duration in milliseconds when Candor can read it from the file (PCM WAV); else null.</summary>
    public long? MeasuredMilliseconds { get; internal set; }

    /// <summary>Rerank: the number of documents.</summary>
    public int Documents { get; internal set; }

    /// <summary>Speech: the input text's length in Unicode scalar values (after redaction: the text that is sent).</summary>
    public int Characters => Kind == MediaKind.Speech && Texts.Count > 0 ? CountScalars(Texts[0]) : 0;

    /// <summary>Adds a text and the way to write its (possibly redacted) value back into the body.</summary>
    internal void AddText(string text, Action<string> writeBack)
    {
        Texts.Add(text);
        _writeBack.Add(writeBack);
    }

    /// <summary>Writes <see cref="Texts"/> back where they came from (a no-op for unchanged ones).</summary>
    internal void ApplyTexts()
    {
        for (int i = 0; i < _writeBack.Count; i++)
        {
            _writeBack[i](Texts[i]);
        }
    }

    private static int CountScalars(string text)
    {
        int n = 0;
        foreach (var _ in text.EnumerateRunes())
        {
            n++;
        }

        return n;
    }
}

/// <summary>One part of a <c>multipart/form-data</c> body: its field name, file name and content type when given, and its
/// bytes (a slice of the client's body, or the UTF-8 of a redacted text).</summary>
public sealed class MultipartPart(string name, string? fileName, string? contentType, ReadOnlyMemory<byte> data)
{
    /// <summary>The form field's name.</summary>
    public string Name { get; } = name;

    /// <summary>The file name, for a file part.</summary>
    public string? FileName { get; } = fileName;

    /// <summary>The part's content type, when given.</summary>
    public string? ContentType { get; } = contentType;

    /// <summary>The part's bytes.</summary>
    public ReadOnlyMemory<byte> Data { get; set; } = data;

    /// <summary>True for a file (a part with a file name).</summary>
    public bool IsFile => FileName is not null;
}
