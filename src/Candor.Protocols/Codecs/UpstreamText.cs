using System.Text.Json;

namespace Candor.Protocols.Codecs;

/// <summary>An upstream answer whose JSON parses but cannot be read: a string that is not UTF-8 or holds a lone
/// surrogate escape (<c>"id":"\ud800"</c>), or a value of an unexpected kind. <c>System.Text.Json</c> throws
/// <see cref="InvalidOperationException"/> for these when the value is read; the upstream decoders turn it into the
/// <see cref="JsonException"/> their contract names, so the relay answers it as malformed upstream data (a 502
/// before the first byte, the surface's error event after it), with a receipt that says the same.</summary>
public static class UpstreamText
{
    public static JsonException Invalid(InvalidOperationException cause) =>
        new("The upstream's JSON holds a value that cannot be read (text that is not UTF-8, a lone surrogate, or an unexpected kind).", cause);
}
