namespace Candor.Protocols.Canonical;

/// <summary>A canonical embeddings request (OpenAI /v1/embeddings vocabulary).</summary>
public sealed class EmbeddingRequest
{
    public string Model { get; set; } = "";

    /// <summary>The texts to embed, in order.</summary>
    public List<string> Inputs { get; } = [];

    public int? Dimensions { get; set; }

    /// <summary>float (default) or base64, as the client asked; encoders honour it.</summary>
    public string? EncodingFormat { get; set; }

    public string? User { get; set; }

    /// <summary>Gemini's <c>taskType</c> (RETRIEVAL_QUERY, SEMANTIC_SIMILARITY…) as the Gemini surface received it; sent to
    /// Gemini upstreams, which tune the vector for it, and not to others (they have no such parameter).</summary>
    public string? TaskType { get; set; }
}

/// <summary>A canonical embeddings answer.</summary>
public sealed class EmbeddingResponse
{
    public string? Model { get; set; }

    public List<float[]> Vectors { get; } = [];

    public Usage? Usage { get; set; }
}
