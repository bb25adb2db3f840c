namespace Candor.Transparency.Witness;

/// <summary>The HTTP answer to one <c>add-checkpoint</c> request: status, content type and body.</summary>
/// <param name="Status">200 with the cosignature line; 400 malformed; 403 no trusted signature; 404 unknown origin;
/// 409 the old size is not the last cosigned size (the body is that size); 422 the consistency proof fails.</param>
/// <param name="ContentType">The body's media type.</param>
/// <param name="Body">The body (UTF-8).</param>
public sealed record WitnessAnswer(int Status, string ContentType, string Body);
