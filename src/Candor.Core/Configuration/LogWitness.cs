namespace Candor.Core.Configuration;

/// <summary>A witness of the transparency log (<c>server.log_witnesses</c>): its submission prefix (Candor posts to
/// <c>&lt;url&gt;/add-checkpoint</c>) and its cosignature verifier key (<c>name+id+base64(0x04 || public key)</c>).</summary>
/// <param name="Url">The witness's submission prefix.</param>
/// <param name="Key">The witness's verifier key.</param>
internal sealed record LogWitness(Uri Url, string Key);
