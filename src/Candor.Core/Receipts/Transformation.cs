namespace Candor.Core.Receipts;

/// <summary>One listed change between the client's request and the request forwarded upstream. Any other
/// difference is a bug, and the parameter-integrity audit flags it.</summary>
/// <param name="Kind">What changed: <see cref="ModelMapping"/>, <see cref="Redaction"/>, <see cref="Injected"/>,
/// <see cref="Translated"/>, <see cref="Omitted"/>, <see cref="Mapped"/>, or another kind a later stage adds.</param>
/// <param name="Target">The parameter or entity type concerned (for example <c>model</c>, <c>max_output_tokens</c>, <c>email</c>).</param>
/// <param name="Detail">A short, content-free description (names, counts, numbers; never user text).</param>
internal sealed record Transformation(string Kind, string Target, string Detail)
{
    /// <summary>The public model name replaced by the deployment's upstream model.</summary>
    public const string ModelMapping = "model_mapping";

    /// <summary>Entities redacted or pseudonymized (the detail is a count).</summary>
    public const string Redaction = "redaction";

    /// <summary>A parameter the client did not set, added by Candor (for example <c>stream_options.include_usage</c>).</summary>
    public const string Injected = "injected";

    /// <summary>The request was re-encoded for another wire format (the translated path).</summary>
    public const string Translated = "translated";

    /// <summary>A parameter of the client's the upstream would refuse in this request, left out (Anthropic: manual thinking
    /// for a tool turn whose signed thinking block the client did not send back).</summary>
    public const string Omitted = "omitted";

    /// <summary>A parameter of the client's sent as the upstream wire's own equivalent (OpenAI's <c>reasoning_effort</c> as
    /// Anthropic's or Gemini's thinking budget, a thinking budget as a vendor's thinking switch); the detail says what it
    /// became. <c>reasoning_effort</c> and <c>thinking_budget</c> are one setting in two vocabularies, so a mapping of
    /// either covers both in the parameter-integrity audit.</summary>
    public const string Mapped = "mapped";
}
